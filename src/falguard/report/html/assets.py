"""The page's only stylesheet and script, inlined, and the Content-Security-Policy that allows
exactly these two (by hash) and nothing else: no external load of any kind, no other inline
script, no inline event handler, no style attribute."""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { --critical: #b3261e; --high: #d9480f; --medium: #a66a00; --low: #5f6b7a; --ink: #1d232b;
  --muted: #5b6572; --line: #d8dde3; --paper: #ffffff; --wash: #f4f6f8; --ok: #2b8a3e; --blue: #1c6fd1; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--wash); }
main { max-width: 1080px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 28px 0 10px; }
code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
.top { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 10px 0 0; }
.facts dt { color: var(--muted); }
.facts dd { margin: 0; overflow-wrap: anywhere; }
.warn { color: var(--critical); font-weight: 600; }
.good { color: var(--ok); font-weight: 600; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 12px; }
.total { border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; background: var(--wash); }
.total b { font-size: 16px; margin-right: 4px; }
.chip, .badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px; font-weight: 600;
  border: 1px solid var(--line); background: var(--wash); color: var(--ink); white-space: nowrap; }
.sev-critical { background: var(--critical); border-color: var(--critical); color: #fff; }
.sev-high { background: var(--high); border-color: var(--high); color: #fff; }
.sev-medium { background: #fff3d6; border-color: var(--medium); color: #6b4500; }
.sev-low { background: #eef1f4; border-color: var(--low); color: var(--low); }
.ver-live { background: var(--critical); border-color: var(--critical); color: #fff; }
.ver-rejected { background: #e6f4ea; border-color: var(--ok); color: var(--ok); }
.ver-unknown { background: #eef1f4; border-color: var(--low); color: var(--low); }
.place { background: #e8f0fc; border-color: #b7cdf0; color: #1b4f91; }
.filters { display: none; flex-wrap: wrap; gap: 6px 18px; align-items: center; margin: 14px 0 0;
  padding: 10px 14px; background: var(--paper); border: 1px solid var(--line); border-radius: 8px; }
.js .filters { display: flex; }
.filters fieldset { border: 0; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 4px 10px; }
.filters legend { float: left; margin-right: 8px; color: var(--muted); font-weight: 600; }
.filters label { white-space: nowrap; }
#shown { margin-left: auto; color: var(--muted); }
.many .card, .many .todo { content-visibility: auto; contain-intrinsic-size: auto 260px; }
.card { background: var(--paper); border: 1px solid var(--line); border-left: 6px solid var(--low);
  border-radius: 8px; padding: 12px 16px; margin: 0 0 12px; break-inside: avoid; }
.card.sev-critical, .card.sev-high, .card.sev-medium, .card.sev-low { background: var(--paper); color: var(--ink); }
.card.sev-critical { border-left-color: var(--critical); }
.card.sev-high { border-left-color: var(--high); }
.card.sev-medium { border-left-color: var(--medium); }
.card-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; }
.card-head .num { color: var(--muted); font-weight: 700; }
.card-head code { font-size: 15px; font-weight: 700; overflow-wrap: anywhere; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 1px 14px; margin: 8px 0; }
.card dt { color: var(--muted); }
.card dd { margin: 0; overflow-wrap: anywhere; }
.timeline { display: block; max-width: 760px; margin: 6px 0 2px; overflow: visible; }
.tl-axis { stroke: var(--line); stroke-width: 3; }
.pt { stroke: #fff; stroke-width: 2; }
.pt-added { fill: var(--critical); }
.pt-removed { fill: var(--ok); }
.pt-left-head { fill: var(--ok); stroke: var(--ink); }
.pt-worktree, .pt-staged, .pt-stdin { fill: var(--medium); }
.pt-served { fill: #7b1fa2; }
.pt-now { fill: var(--blue); }
.tl-date { font-size: 11px; fill: var(--muted); }
.tl-label { font-size: 12px; font-weight: 700; fill: var(--ink); }
.tl-where { font-size: 11px; fill: var(--muted); font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.tl-more { font-size: 11px; fill: var(--muted); }
.events { margin: 2px 0 6px; padding-left: 22px; color: var(--muted); font-size: 13px; }
details { margin: 6px 0 0; }
summary { cursor: pointer; font-weight: 600; }
ol.steps { margin: 4px 0 0; padding-left: 22px; }
ol.steps li { margin: 2px 0; }
.todo { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px 10px;
  margin: 0 0 8px; break-inside: avoid; }
.todo h3 { font-size: 14px; margin: 0; }
.todo .names { margin: 4px 0; color: var(--muted); font-size: 12px; max-height: 7.5em; overflow-y: auto; }
table { width: 100%; border-collapse: collapse; background: var(--paper); border: 1px solid var(--line); }
th, td { text-align: left; padding: 6px 10px; border-top: 1px solid var(--line); vertical-align: top; }
th { background: var(--wash); border-top: 0; }
td.where { overflow-wrap: anywhere; }
.ticket { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.ticket pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 10px 0 0; }
button#copy { display: none; font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--blue);
  background: var(--blue); color: #fff; cursor: pointer; }
.js button#copy { display: inline-block; }
.empty { background: var(--paper); border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
footer { margin-top: 24px; color: var(--muted); font-size: 12px; }
footer p { margin: 2px 0; }
@media print {
  body { background: #fff; font-size: 12px; }
  main { max-width: none; padding: 0; }
  .filters, button#copy { display: none !important; }
  .many .card, .many .todo { content-visibility: visible; }
  .card, .top, .ticket, table { border-color: #999; }
  a { color: inherit; text-decoration: none; }
}
""".strip()

SCRIPT = """
"use strict";
(function () {
  document.documentElement.classList.add("js");
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".filters input[type=checkbox]"));
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-severity]"));
  var counter = document.getElementById("shown");
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-cards]"));
  function apply() {
    var on = {};
    boxes.forEach(function (box) {
      on[box.name] = on[box.name] || {};
      if (box.checked) { on[box.name][box.value] = true; }
    });
    var shown = 0, cards = 0;
    items.forEach(function (item) {
      var visible = Object.keys(on).every(function (name) {
        var value = item.getAttribute("data-" + name);
        return value === null || on[name][value] === true;
      });
      item.hidden = !visible;
      if (item.classList.contains("card")) { cards += 1; if (visible) { shown += 1; } }
    });
    if (counter) { counter.textContent = shown + " of " + cards + " credentials shown"; }
    groups.forEach(function (group) {
      group.hidden = !group.getAttribute("data-cards").split(" ").some(function (id) {
        var card = document.getElementById(id);
        return card !== null && !card.hidden;
      });
    });
  }
  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  apply();
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details"), function (d) { return !d.open; });
    opened.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () { opened.forEach(function (d) { d.open = false; }); });
  var copy = document.getElementById("copy");
  var ticket = document.getElementById("ticket-text");
  function select() {
    var range = document.createRange();
    range.selectNodeContents(ticket);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    copy.textContent = copied ? "Copied" : "Selected: press Ctrl+C";
  }
  if (copy && ticket) {
    copy.addEventListener("click", function () {
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(ticket.textContent).then(function () { copy.textContent = "Copied"; }, select);
      } else {
        select();
      }
    });
  }
})();
""".strip()


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


#: Everything not named is forbidden: no fetch, no image, no font, no frame, no form target.
CSP = (
    f"default-src 'none'; style-src {_hash(STYLE)}; script-src {_hash(SCRIPT)}; "
    "img-src 'none'; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'"
)
