// Placeholder of the desk page: the helper building it replaces this module (see backend/web/README.md).

import { initPage } from "./page.js";

initPage(["desk"]).then(() => { document.body.dataset.ready = "true"; });
