// Placeholder of the console page: the helper building it replaces this module (see backend/web/README.md).

import { initPage } from "./page.js";

initPage(["console"]).then(() => { document.body.dataset.ready = "true"; });
