// GET /: the status page, one static HTML document that renders GET /v1/status in the browser.
#pragma once

namespace nines::dnsd {

inline constexpr const char* kStatusPage = R"(<!doctype html>
<html><head><meta charset="utf-8"><title>Nines dnsd</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.down{color:#b00}.up{color:#070}</style>
</head><body><h1>Nines dnsd</h1><div id="s">loading…</div>
<script>
const esc=t=>String(t).replace(/[&<>"']/g,c=>'&#'+c.charCodeAt(0)+';');
fetch('/v1/status').then(r=>r.json()).then(s=>{
  let h='<h2>Zones</h2><table><tr><th>origin</th><th>serial</th><th>records</th></tr>';
  for(const z of s.zones) h+=`<tr><td>${z.origin}</td><td>${z.serial}</td><td>${z.records}</td></tr>`;
  h+='</table><h2>Services</h2><table><tr><th>service</th><th>policy</th><th>region</th><th>state</th><th>endpoints</th></tr>';
  for(const v of s.services) for(const r of v.regions)
    h+=`<tr><td>${v.name}.${v.zone}</td><td>${v.policy}</td><td>${r.name}</td><td class="${r.state}">${r.state} (${r.reason})</td><td>${r.endpoints.map(e=>e.address+' '+e.state+(e.reason?' ('+esc(e.reason)+')':'')).join('<br>')}</td></tr>`;
  document.getElementById('s').innerHTML=h+'</table>';
});
</script></body></html>
)";

}  // namespace nines::dnsd
