// Bookings (to be written).

import { html } from "../../vendor/preact-htm.js";
import { Section } from "../ui.js";

let api = null;

function View() {
  return html`<${Section} id="bookings" title="Bookings"><p>Coming.</p><//>`;
}

export default {
  id: "bookings",
  title: "Bookings",
  requires: (theApi) => theApi.has("baskets/getbaskets"),
  start(theApi) { api = theApi; },
  View,
};
