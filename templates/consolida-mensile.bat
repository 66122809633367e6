@echo off
rem consolida-mensile.bat, scritto da "consolida init": il lavoro mensile con un doppio clic.
rem Legge i file nuovi della cartella inbox, li aggiunge al registro, scrive i prospetti
rem nella cartella uscita e sposta i file letti in archivio. Per preparare il prospetto di
rem un altro mese, aggiungere in fondo alla riga del comando qui sotto: --mese AAAA-MM
cd /d "%~dp0"
{{programma}} run --config "%~dp0consolida.toml"
set esito=%errorlevel%
echo.
if "%esito%"=="0" (echo Fatto: i prospetti sono nella cartella uscita.) else (echo ATTENZIONE: consolida si e' fermato o ha segnalato un problema, leggere i messaggi qui sopra.)
echo.
pause
