// The board's screens (returns, ASNs): the words and the helpers they share (board_html).
const T = {{strings}};
const LANG = document.documentElement.lang;
const $ = (id) => document.getElementById(id);
const say = (key, values = {}) => T[key].replace(/\{(\w+)\}/g, (_, k) => values[k]);
const word = (prefix, value) => T[`${prefix}_${value}`] || value;

function cell(row, label, text) {
  const td = row.insertCell(); td.dataset.label = label;
  td.textContent = text == null ? "" : String(text);
  return td;
}
function show(text, ok) { $("message").textContent = text; $("message").className = ok ? "ok" : "error"; }
