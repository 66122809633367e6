// The office's page of consolida: plain JavaScript, no library, nothing
// loaded from the internet. Every text comes from the server or is set
// with textContent (a file name is never read as HTML).
"use strict";

(function () {
  const token = document.querySelector('meta[name="consolida-token"]').content;
  const $ = (id) => document.getElementById(id);

  // el builds an element: el("li", {class: "x"}, child, "text"...)
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  // count writes 7157 as 7.157.
  function count(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function bytes(n) {
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1).replace(".", ",") + " MB";
    if (n >= 1 << 10) return Math.round(n / (1 << 10)) + " KB";
    return n + " byte";
  }

  // api calls the server; an answer that is not ok throws its message.
  async function api(method, url, body) {
    const opt = { method: method, headers: {} };
    if (method !== "GET") opt.headers["X-Consolida-Token"] = token;
    if (body !== undefined) opt.body = body;
    let res;
    try {
      res = await fetch(url, opt);
    } catch (e) {
      throw new Error("consolida non risponde: è stato chiuso? Riavviarlo e ricaricare la pagina.");
    }
    let data = {};
    try {
      data = await res.json();
    } catch (e) {
      data = {};
    }
    if (!res.ok) throw new Error(data.error || "errore " + res.status);
    return data;
  }

  function say(node, text, kind) {
    node.textContent = text;
    node.className = "message" + (kind ? " " + kind : "");
    node.hidden = !text;
  }

  // ---- 1. files --------------------------------------------------------

  let running = false;
  const checking = new Set();

  async function loadState() {
    const st = await api("GET", "/api/state");
    renderFiles(st.files || []);
    renderRun(st.run);
    if (st.run && st.run.state === "running") follow();
  }

  function renderFiles(files) {
    const list = $("file");
    list.replaceChildren();
    $("nessun-file").hidden = files.length > 0;
    for (const f of files) {
      const li = el("li", { class: "file wait", "data-name": f.name });
      const remove = el("button", { type: "button", class: "link", text: "Togli" });
      remove.addEventListener("click", () => removeFile(f.name));
      li.append(
        el("div", { class: "head" },
          el("span", { class: "badge", text: "…" }),
          el("strong", { text: f.name }), " ",
          el("span", { class: "small", text: bytes(f.size) }), " ", remove),
        el("div", { class: "sum", text: "lettura in corso…" }));
      list.append(li);
      if (f.check) showCheck(li, f.check);
      else queueCheck(f.name, li);
    }
    updateButton();
  }

  function showCheck(li, c) {
    const badge = li.querySelector(".badge");
    const sum = li.querySelector(".sum");
    let kind = "ok";
    if (!c.ok) {
      kind = "bad";
      badge.textContent = "illeggibile";
      sum.textContent = c.error;
    } else if (c.skipped) {
      kind = "skip";
      badge.textContent = "ignorato";
      sum.textContent = c.format + " · " + c.skipped + " (il file è elencato in Fonti come ignorato)";
    } else {
      if (c.rejected > 0 || c.anomalies > 0) kind = "warn";
      badge.textContent = kind === "ok" ? "letto" : "letto, da controllare";
      const parts = [c.format];
      if (c.header) parts.push("intestazione: " + c.header);
      parts.push("righe lette " + count(c.read) + ", valide " + count(c.valid) + ", scartate " + count(c.rejected));
      parts.push("anomalie " + count(c.anomalies));
      if (c.total) parts.push("comuni finanziati (A+E) " + c.total + " €");
      sum.textContent = parts.join(" · ");
    }
    li.className = "file " + kind;
    let d = li.querySelector("details");
    if (!d) {
      d = el("details", {}, el("summary", { text: "Come è stato letto" }), el("pre"));
      li.append(d);
    }
    d.querySelector("pre").textContent = c.text;
    // a few files: the anomalies of one to check are shown at once
    if (kind === "warn" && document.querySelectorAll("li.file").length <= 5) d.open = true;
  }

  // the checks run one at a time, in order
  let queue = Promise.resolve();
  function queueCheck(name, li) {
    if (checking.has(name)) return;
    checking.add(name);
    queue = queue.then(async () => {
      try {
        const c = await api("GET", "/api/files/" + encodeURIComponent(name) + "/check");
        const cur = document.querySelector('li.file[data-name="' + CSS.escape(name) + '"]') || li;
        showCheck(cur, c);
      } catch (e) {
        li.querySelector(".sum").textContent = e.message;
      } finally {
        checking.delete(name);
      }
    });
  }

  async function upload(fileList) {
    if (!fileList || fileList.length === 0) return;
    const form = new FormData();
    for (const f of fileList) form.append("file", f, f.name);
    say($("invio"), "Invio di " + fileList.length + " file…");
    try {
      const r = await api("POST", "/api/files", form);
      const parts = [];
      if (r.saved && r.saved.length) parts.push("Ricevuti: " + r.saved.join(", ") + ".");
      for (const x of r.refused || []) parts.push(x.name + ": " + x.reason + ".");
      say($("invio"), parts.join(" "), r.refused && r.refused.length ? "warn" : "");
    } catch (e) {
      say($("invio"), e.message, "error");
    }
    await loadState();
  }

  async function removeFile(name) {
    try {
      await api("DELETE", "/api/files/" + encodeURIComponent(name));
      say($("invio"), "");
    } catch (e) {
      say($("invio"), e.message, "error");
    }
    await loadState();
  }

  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    upload(e.dataTransfer.files);
  });
  // a file dropped beside the zone must not make the browser leave the page
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  $("scegli").addEventListener("change", async (e) => {
    await upload(e.target.files);
    e.target.value = "";
  });

  // ---- 2. run ------------------------------------------------------------

  function updateButton() {
    const b = $("elabora");
    b.disabled = running;
    b.textContent = running ? "Elaborazione in corso…" : "Elabora";
  }

  $("elabora").addEventListener("click", async () => {
    say($("errore"), "");
    try {
      await api("POST", "/api/run");
      running = true;
      updateButton();
      follow();
    } catch (e) {
      say($("errore"), e.message, "error");
    }
  });

  let source = null;
  function follow() {
    if (source) return;
    running = true;
    updateButton();
    source = new EventSource("/api/run/events");
    source.addEventListener("stato", (e) => renderRun(JSON.parse(e.data)));
    source.addEventListener("fine", () => {
      source.close();
      source = null;
      loadState();
    });
    source.onerror = () => {
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        say($("errore"), "consolida non risponde: è stato chiuso? Riavviarlo e ricaricare la pagina.", "error");
      }
    };
  }

  function renderRun(v) {
    if (!v || v.state === "none") return;
    running = v.state === "running";
    updateButton();
    $("avanzamento").hidden = false;
    const steps = $("fasi");
    steps.replaceChildren();
    for (const s of v.steps || []) {
      const bar = el("progress", { max: Math.max(s.total, 1) });
      bar.value = s.finished ? Math.max(s.total, 1) : Math.min(s.done, s.total);
      let text = s.label + ": " + (s.total > 0 ? count(Math.min(s.done, s.total)) + " di " + count(s.total) : "");
      if (s.finished) text = s.label + ": fatto";
      steps.append(el("li", {}, el("span", { class: "label", text: text }), bar,
        s.item ? el("span", { class: "small", text: s.item }) : null));
    }
    const lines = $("righe");
    lines.replaceChildren();
    for (const l of v.lines || []) lines.append(el("li", { text: l }));
    $("elabora-nota").textContent = running ? "iniziata alle " + v.started.slice(11) :
      "ultima elaborazione: " + v.started + ", " + v.seconds.toFixed(1).replace(".", ",") + " s";
    if (v.state === "done" && v.outcome) renderOutcome(v.outcome);
  }

  let outcomeShown = null;
  function renderOutcome(o) {
    say($("errore"), o.error || "", o.error ? "error" : "");
    $("riepilogo").hidden = !o.summary;
    $("riepilogo-testo").textContent = o.summary || "";
    const figs = $("cifre");
    figs.replaceChildren();
    const f = o.figures;
    if (f) {
      const card = (label, value, cls) => figs.append(el("div", { class: "figure " + (cls || "") },
        el("span", { class: "value", text: value }), el("span", { class: "label", text: label })));
      card("Totale finanziato (A+E)", f.total + " €", "big");
      card("di cui erogato", f.erogato + " €");
      card("comuni", count(f.comuni));
      card("candidature", count(f.candidature));
      card("righe lette", count(f.read));
      card("righe scartate", count(f.rejected), f.rejected > 0 ? "warn" : "");
      card("anomalie", count(f.anomalies), f.anomalies > 0 ? "warn" : "");
      card("conservazione di righe e importi", f.conserved ? "rispettata" : "NON rispettata", f.conserved ? "ok" : "bad");
      const n = f.novita;
      $("novita").hidden = !n;
      if (n) {
        $("novita").textContent = (n.since ? "Novità rispetto al prospetto " + n.since : "Primo prospetto del registro: tutte le candidature sono nuove") +
          ": nuove candidature " + count(n.added) + ", cambi di stato " + count(n.statusChanges) + ", cambi di importo " + count(n.amountChanges) + ".";
      }
    }
    $("passo-prospetti").hidden = !o.downloads || o.downloads.length === 0;
    $("cartella").textContent = o.dir || "";
    const dl = $("scarica");
    dl.replaceChildren();
    for (const d of o.downloads || []) {
      dl.append(el("li", {}, el("a", { href: d.url, download: d.name, class: "button", text: d.label }),
        " ", el("span", { class: "small", text: d.name + " · " + bytes(d.size) })));
    }
    $("consiglio").hidden = !o.council;
    $("consiglio-n").textContent = count(o.council || 0);
    const key = JSON.stringify([o.month, o.council, o.anomalies, o.summary]);
    if (outcomeShown !== key) {
      outcomeShown = key;
      searchCouncil();
      const sel = $("filtro-file");
      sel.replaceChildren(el("option", { value: "", text: "tutti" }));
      for (const name of o.files || []) sel.append(el("option", { value: name, text: name }));
      $("passo-anomalie").hidden = !o.figures;
      loadAnomalies();
      if ($("storico-testo") && !$("storico-testo").hidden) loadHistory();
    }
  }

  // ---- 3. downloads --------------------------------------------------------

  function debounce(fn, ms) {
    let t = null;
    return () => {
      clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  async function searchCouncil() {
    const q = $("cerca-comune").value;
    try {
      const r = await api("GET", "/api/council?q=" + encodeURIComponent(q));
      const list = $("consiglio-elenco");
      list.replaceChildren();
      for (const it of r.items) {
        list.append(el("li", {}, el("a", { href: it.url, download: it.name, text: it.label }),
          " ", el("span", { class: "small", text: it.name })));
      }
      $("consiglio-conta").textContent = q ? count(r.matched) + " comuni trovati" + (r.matched > r.items.length ? ", i primi " + r.items.length + " qui sotto" : "") :
        (r.total > r.items.length ? "i primi " + r.items.length + " di " + count(r.total) + ": cercare il comune per nome" : "");
    } catch (e) {
      $("consiglio-conta").textContent = e.message;
    }
  }
  $("cerca-comune").addEventListener("input", debounce(searchCouncil, 200));

  async function loadAnomalies() {
    const q = "comune=" + encodeURIComponent($("filtro-comune").value) + "&file=" + encodeURIComponent($("filtro-file").value);
    try {
      const r = await api("GET", "/api/anomalies?" + q);
      const body = $("anomalie").querySelector("tbody");
      body.replaceChildren();
      for (const a of r.rows) {
        body.append(el("tr", { class: a.outcome === "riga scartata" ? "rejected" : "" },
          el("td", { text: a.comune || "" }), el("td", { text: a.file }), el("td", { text: a.sheet || "" }),
          el("td", { class: "num", text: a.row ? String(a.row) : "" }), el("td", { text: a.col || "" }),
          el("td", { text: a.field }), el("td", { text: a.value }), el("td", { text: a.reason }),
          el("td", { text: a.suggestion || "" }), el("td", { text: a.outcome })));
      }
      let t = count(r.matched) + " di " + count(r.total) + " anomalie";
      if (r.matched > r.rows.length) t += " (mostrate le prime " + count(r.rows.length) + ": restringere con i filtri)";
      $("anomalie-conta").textContent = t;
    } catch (e) {
      $("anomalie-conta").textContent = e.message;
    }
  }
  $("filtro-comune").addEventListener("input", debounce(loadAnomalies, 200));
  $("filtro-file").addEventListener("change", loadAnomalies);

  // ---- storico ---------------------------------------------------------------

  async function loadHistory() {
    try {
      const r = await api("GET", "/api/history");
      $("storico-nota").hidden = !r.message;
      $("storico-nota").textContent = r.message || "";
      $("storico-testo").hidden = !r.text;
      $("storico-testo").textContent = r.text || "";
    } catch (e) {
      $("storico-nota").hidden = false;
      $("storico-nota").textContent = e.message;
    }
  }
  if ($("storico")) $("storico").addEventListener("click", loadHistory);

  loadState().catch((e) => say($("errore"), e.message, "error"));
})();
