// Admin (to be written).

import { html } from "../../vendor/preact-htm.js";
import { Section } from "../ui.js";

let api = null;

function View() {
  return html`<${Section} id="admin" title="Admin"><p>Coming.</p><//>`;
}

export default {
  id: "admin",
  title: "Admin",
  requires: (theApi) => theApi.has("xts/isadmin"),
  start(theApi) { api = theApi; },
  View,
};
