#!/usr/bin/env python3
"""Reads the screenshots headless Chromium writes (8-bit RGB or RGBA PNG) with the standard
library only, for the tests of the HTML pages: one decoder for every probe.

  png_pixels.py count FILE TOLERANCE HEX...   pixels within TOLERANCE (per channel, exclusive)
                                               of each colour, printed space-separated
  png_pixels.py hues FILE                      "blue" and/or "orange" when bluish / orangish
                                               pixels are present (every third pixel sampled)
"""
import struct
import sys
import zlib


def rows(path):
    """(bytes per pixel, the unfiltered scanlines)."""
    data = open(path, "rb").read()
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, t = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        pos += 12 + n
        if t == b"IHDR":
            w, h, _, ctype = struct.unpack(">IIBB", body[:10])
        if t == b"IDAT":
            idat += body
    raw = zlib.decompress(idat)
    bpp = 4 if ctype == 6 else 3
    stride = w * bpp
    out, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        f = raw[i]
        line = bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(line)
        prev = line
    return bpp, out


def count(path, tolerance, hexes):
    cols = [tuple(int(h[i:i + 2], 16) for i in (0, 2, 4)) for h in hexes]
    n = [0] * len(cols)
    bpp, lines = rows(path)
    for line in lines:
        for x in range(0, len(line), bpp):
            px = line[x:x + 3]
            for j, c in enumerate(cols):
                if all(abs(px[k] - c[k]) < tolerance for k in range(3)):
                    n[j] += 1
    return n


def hues(path):
    found = set()
    bpp, lines = rows(path)
    for line in lines:
        for x in range(0, len(line), bpp * 3):
            r, g, b = line[x], line[x + 1], line[x + 2]
            if b > r + 40 and b > g:
                found.add("blue")
            if r > b + 60 and r > g + 20:
                found.add("orange")
    return sorted(found)


if __name__ == "__main__":
    if sys.argv[1] == "count":
        print(*count(sys.argv[2], int(sys.argv[3]), sys.argv[4:]))
    elif sys.argv[1] == "hues":
        print(" ".join(hues(sys.argv[2])))
    else:
        sys.exit("usage: png_pixels.py count FILE TOLERANCE HEX... | hues FILE")
