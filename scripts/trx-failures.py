#!/usr/bin/env python3
"""Names every failed test of the .trx files in a folder, with the start of its message: CI shows only a log's tail."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"
MESSAGE_LINES = 15

for trx in sorted(glob.glob(f"{sys.argv[1]}/*.trx")):
    try:
        root = ET.parse(trx).getroot()
    except ET.ParseError as e:
        print(f"FAILED: {trx} could not be read ({e})")
        continue
    for result in root.iter(f"{NS}UnitTestResult"):
        if result.get("outcome") != "Failed":
            continue
        print(f"FAILED: {result.get('testName')}")
        message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
        if message is not None and message.text:
            lines = message.text.strip().splitlines()
            for line in lines[:MESSAGE_LINES]:
                print(f"    {line[:400]}")
            if len(lines) > MESSAGE_LINES:
                print(f"    … {len(lines) - MESSAGE_LINES} more lines in {trx}")
