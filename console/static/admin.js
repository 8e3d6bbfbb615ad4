"use strict";
// The export is a plain GET of the JSON document (the browser saves or shows it).
document.getElementById("export-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const ref = document.getElementById("export-ref").value.trim();
  if (ref) window.location = `/api/customers/${encodeURIComponent(ref)}/export`;
});
