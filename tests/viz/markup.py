"""Parse a generated page with the standard library's HTML parser: every element, attribute and text run, so tests
can say exactly which elements exist (no ``<img>``, no ``on*`` attributes, only our own scripts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class Parsed:
    elements: list[Element] = field(default_factory=list)
    text: str = ""

    def find(self, tag: str, **attrs) -> list[Element]:
        def matches(el: Element) -> bool:
            for name, value in attrs.items():
                have = el.attrs.get(name.rstrip("_").replace("_", "-"))
                if name.rstrip("_") == "class":
                    if have is None or value not in have.split():
                        return False
                elif have != value:
                    return False
            return True

        return [el for el in self.elements if el.tag == tag and matches(el)]

    def event_handler_attributes(self) -> list[tuple[str, str]]:
        return [(el.tag, name) for el in self.elements for name in el.attrs if name.lower().startswith("on")]


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.result = Parsed()
        self.stack: list[Element] = []
        self.chunks: list[str] = []

    def handle_starttag(self, tag, attrs):
        el = Element(tag, dict(attrs))
        self.result.elements.append(el)
        if tag not in ("img", "br", "input", "meta", "link", "hr"):
            self.stack.append(el)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                break

    def handle_data(self, data):
        for el in self.stack:
            el.text += data
        if not any(el.tag in ("script", "style") for el in self.stack):
            self.chunks.append(data)


def parse(html: str) -> Parsed:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    collector.result.text = "".join(collector.chunks)
    return collector.result
