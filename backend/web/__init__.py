"""The web app: HTML pages (holder app `/`, venue desk `/desk`, staff console `/console`), their static
files under /static, and the few answers only the pages need (`/web/config`). See backend/web/README.md."""
