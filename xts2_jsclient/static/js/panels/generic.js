// Other items: a form for each installed item type that no panel offers (a plugin without a panel
// of its own), built from the parameters the item type declares (baskets/getitemtypes).

import { html, useState } from "../../vendor/preact-htm.js";
import * as store from "../store.js";
import { addItem } from "../sale.js";
import { Message } from "../ui.js";

let api = null;
let covered = new Set();

async function loadTypes() {
  const body = await api.call("baskets/getitemtypes", {}, { retry: false });
  store.set({ itemtypes: (body.itemtypes || []).filter((t) => !covered.has(t.name)) });
}

function label(param) {
  const bare = param.name.replace(/^item\./, "");
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

/** One parameter: its label (the name), the control, and its description as help beside it
 * (tied to the control by aria-describedby, not part of its name). */
function Field({ type, param, value, onInput }) {
  const id = `generic-${type}-${param.name.replace(/\W/g, "-")}`;
  const help = param.text ? html`<span class="help" id=${`${id}-help`}>${param.text}</span>` : null;
  const described = param.text ? `${id}-help` : null;
  const name = `${label(param)}${param.required ? " (required)" : ""}`;
  if (param.type === "boolean") {
    return html`<div class="field"><div class="check">
      <input id=${id} type="checkbox" checked=${value === "true"} aria-describedby=${described}
        onChange=${(e) => onInput(e.target.checked ? "true" : "false")} />
      <label for=${id}>${label(param)}</label></div>${help}</div>`;
  }
  if (param.enum) {
    return html`<div class="field"><label for=${id}>${name}</label>
      <select id=${id} value=${value} aria-describedby=${described} onChange=${(e) => onInput(e.target.value)}>
        <option value="">—</option>
        ${String(param.enum).split(",").map((v) => html`<option value=${v}>${v}</option>`)}
      </select>${help}</div>`;
  }
  const numeric = param.type === "integer" || param.format === "decimal";
  return html`<div class="field"><label for=${id}>${name}</label>
    <input id=${id} value=${value} inputmode=${numeric ? "decimal" : "text"} autocomplete="off"
      required=${param.required} aria-describedby=${described} onInput=${(e) => onInput(e.target.value)} />
    ${help}</div>`;
}

function TypeForm({ type }) {
  const s = store.useStore();
  const [values, setValues] = useState({});
  const busy = s.busy === `generic-${type.name}`;
  const submit = async (e) => {
    e.preventDefault();
    const params = {};
    for (const [name, value] of Object.entries(values)) {
      if (value !== "" && value !== undefined) params[name.replace(/^item\./, "")] = value;
    }
    const body = await addItem(type.name, params, { busy: `generic-${type.name}`, where: `generic-${type.name}`, what: type.title });
    if (body) setValues({});
  };
  return html`<form class="generic form" onSubmit=${submit} aria-labelledby=${`generic-${type.name}-h`}>
    <h3 id=${`generic-${type.name}-h`}>${type.title}</h3>
    ${type.description ? html`<p class="hint">${type.description}</p>` : null}
    ${(type.param || []).map((p) => html`<${Field} key=${p.name} type=${type.name} param=${p}
      value=${values[p.name] ?? ""} onInput=${(v) => setValues({ ...values, [p.name]: v })} />`)}
    <button class="go" type="submit" disabled=${busy} aria-busy=${busy}>${busy ? "Adding…" : `Add ${type.title.toLowerCase()}`}</button>
    <${Message} where=${`generic-${type.name}`} />
  </form>`;
}

function OtherItems() {
  const s = store.useStore();
  const types = s.itemtypes || [];
  if (!types.length) return null;
  return html`<section class="panel" id="otheritems" aria-labelledby="otheritems-h">
    <h2 id="otheritems-h">Other items</h2>
    ${types.map((t) => html`<${TypeForm} key=${t.name} type=${t} />`)}
  </section>`;
}

export default {
  servlet: "baskets",
  itemTypes: [],
  Main: OtherItems,
  /** `others`: the item types the other panels offer already. */
  start(theApi, others = []) { api = theApi; covered = new Set(others); },
  async reload() { await loadTypes(); },
  requires: (theApi) => theApi.has("baskets/getitemtypes"),
};
