#!/usr/bin/env python3
"""Read a printed manual (PDF) for site.test.mjs: page sizes, text per page, and text drawn
outside its page (what a clipped diagram leaves). Prints JSON. Needs pypdf (.ci/run installs it)."""
import json
import sys
import unicodedata

from pypdf import PdfReader

reader = PdfReader(sys.argv[1])
pages, outside = [], []
for i, page in enumerate(reader.pages):
    box = page.mediabox
    w, h = float(box.width), float(box.height)
    bad = []

    def visit(text, cm, tm, font, size):
        if not text.strip():
            return
        # Device position of the text: the text matrix through the current matrix.
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if x < -1 or x > w + 1 or y < -1 or y > h + 1:
            bad.append(text.strip()[:20])

    text = page.extract_text(visitor_text=visit)
    if bad:
        outside.append({"page": i + 1, "texts": bad[:5]})
    # PDF fonts often map kanji to compatibility forms (⾳ for 音): NFKC brings them back.
    pages.append({"width": w, "height": h, "text": unicodedata.normalize("NFKC", text)})
print(json.dumps({"pages": pages, "outside": outside}, ensure_ascii=False))
