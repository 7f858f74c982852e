#!/bin/sh
# Render every file of an archive to PDF and PNG pages, to look at them as paper.
#
#   scripts/preview-exports.sh 花城小学_…_20261130.zip [OUT_DIR]
#
# Writes OUT_DIR/pdf/… (one PDF per XLSX/DOCX, as LibreOffice prints it) and
# OUT_DIR/png/…-N.png (one picture per page), then lists how many pages each file takes.
# Needs LibreOffice (soffice) and poppler (pdftoppm, pdfinfo); the bot itself does not.
set -eu

if [ $# -lt 1 ] || [ ! -f "$1" ]; then
    echo "usage: $0 ARCHIVE.zip [OUT_DIR]" >&2
    exit 2
fi
archive=$1
out=${2:-preview}

missing=""
command -v soffice >/dev/null 2>&1 || missing="$missing soffice"
command -v pdftoppm >/dev/null 2>&1 || missing="$missing pdftoppm"
command -v pdfinfo >/dev/null 2>&1 || missing="$missing pdfinfo"
if [ -n "$missing" ]; then
    echo "missing:$missing" >&2
    echo "Debian/Ubuntu: sudo apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils" >&2
    echo "macOS:         brew install --cask libreoffice && brew install poppler" >&2
    echo "Chinese text needs a CJK font too (Debian: fonts-noto-cjk or fonts-wqy-microhei)." >&2
    exit 3
fi

python=python3
[ -x .venv/bin/python ] && python=.venv/bin/python
rm -rf "$out"
mkdir -p "$out/files" "$out/pdf" "$out/png"
"$python" -m zipfile -e "$archive" "$out/files"
# A private LibreOffice profile: works while another LibreOffice runs, leaves no traces.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT

find "$out/files" -type f \( -name '*.xlsx' -o -name '*.docx' \) | sort | while read -r file; do
    relative=${file#"$out/files/"}
    folder=$(dirname "$relative")
    mkdir -p "$out/pdf/$folder" "$out/png/$folder"
    soffice -env:UserInstallation="file://$profile" --headless --convert-to pdf \
        --outdir "$out/pdf/$folder" "$file" >/dev/null 2>&1
    base=$(basename "$relative")
    pdf="$out/pdf/$folder/${base%.*}.pdf"
    if [ ! -f "$pdf" ]; then
        echo "could not convert $relative" >&2
        continue
    fi
    pdftoppm -r 60 -png "$pdf" "$out/png/$folder/${base%.*}"
    pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
    printf '%4s 页  %s\n' "$pages" "$relative"
done
echo "PDF: $out/pdf   PNG: $out/png"
