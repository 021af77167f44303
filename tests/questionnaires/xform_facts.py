"""What an XForm says, as plain data, so two XForms can be compared fact by fact.

Texts are keyed by (language code, text id): itext ids for multilingual forms, the control's
``ref`` plus ``:label``/``:hint`` (or the choice instance and position) for inline texts.
pyxform writes "-" for a translation that is missing; such texts count as absent.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import defusedxml.ElementTree as ET

XF = "{http://www.w3.org/2002/xforms}"
H = "{http://www.w3.org/1999/xhtml}"
JR = "{http://openrosa.org/javarosa}"
BIND_ATTRIBUTES = {
    "relevant": "relevant",
    "constraint": "constraint",
    "calculate": "calculate",
    "required": "required",
    f"{JR}constraintMsg": "constraintMsg",
    f"{JR}requiredMsg": "requiredMsg",
    "readonly": "readonly",
}


def _text(element: Any) -> str:
    """The inner content of a label/value, ``<output value="…"/>`` written as ``${…}``."""
    parts = [element.text or ""]
    for child in element:
        if child.tag.endswith("output"):
            parts.append("<output " + child.get("value", "") + ">")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def xform_facts(xml: bytes | str, lang_code: Callable[[str], str]) -> dict[str, Any]:
    """Texts per language, binds and itemsets of an XForm; ``lang_code`` maps a ``lang``."""
    root = ET.fromstring(xml)
    text_xml = xml.decode("utf-8") if isinstance(xml, bytes) else xml
    # pyxform also writes texts nothing shows (a group's hint): only referenced ones count
    referenced = set(re.findall(r"jr:itext\('([^']+)'\)", text_xml))
    referenced |= set(re.findall(r"<itextId>([^<]+)</itextId>", text_xml))
    texts: dict[tuple[str, str], str] = {}

    def put(lang: str, key: str, value: str) -> None:
        if value and value != "-":
            texts.setdefault((lang_code(lang), key), value)

    # explicit languages first: a plain column ("default") only fills what they leave empty
    translations = sorted(root.iter(f"{XF}translation"), key=lambda t: t.get("lang") == "default")
    for translation in translations:
        lang = translation.get("lang", "")
        for text in translation.iter(f"{XF}text"):
            if text.get("id") not in referenced:
                continue
            for value in text.iter(f"{XF}value"):
                form = value.get("form")
                key = text.get("id", "") + (f"#{form}" if form else "")
                put(lang, key, _text(value))
    default_lang = "default"
    body = root.find(f"{H}body")
    if body is not None:
        for control in body.iter():
            ref = control.get("ref") or control.get("nodeset")
            if not ref:
                continue
            for part in ("label", "hint"):
                element = control.find(f"{XF}{part}")
                if element is not None and not element.get("ref"):
                    put(default_lang, f"{ref}:{part}", _text(element))
    binds: dict[str, dict[str, str]] = {}
    for bind in root.iter(f"{XF}bind"):
        nodeset = bind.get("nodeset", "")
        kept = {}
        for attribute, short in BIND_ATTRIBUTES.items():
            value = " ".join((bind.get(attribute) or "").split())
            if not value or (short in {"required", "readonly"} and value == "false()"):
                continue  # false() is what a missing attribute means
            if short.endswith("Msg"):
                # inline or through itext, a message is a text of the form's languages
                if not value.startswith("jr:itext("):
                    put(default_lang, f"{nodeset}:jr:{short}", value)
                value = "text"
            kept[short] = value
        if kept:
            binds[nodeset] = kept
    itemsets: dict[str, str] = {}
    for instance in root.iter(f"{XF}instance"):
        instance_id = instance.get("id")
        if not instance_id:
            continue
        for position, item in enumerate(instance.iter(f"{XF}item")):
            name = item.find(f"{XF}name")
            label = item.find(f"{XF}label")
            key = f"{instance_id}/{name.text if name is not None else position}"
            if label is not None:
                put(default_lang, key, _text(label))
    if body is not None:
        for control in body.iter():
            itemset = control.find(f"{XF}itemset")
            if itemset is not None:
                itemsets[control.get("ref", "")] = " ".join(itemset.get("nodeset", "").split())
    return {"texts": texts, "binds": binds, "itemsets": itemsets}


def texts_by_language(facts: dict[str, Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for lang, _key in facts["texts"]:
        counts[lang] = counts.get(lang, 0) + 1
    return counts
