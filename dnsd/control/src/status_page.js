// The status page: renders GET /v1/status (without votes) every `refresh` seconds (?refresh=N,
// default 2), and a service's endpoints with their votes (GET /v1/status?service=...&votes=1) only
// while its <details> is open. Every string from the JSON goes through esc().
'use strict';
const params = new URLSearchParams(location.search);
const refreshSeconds = Math.min(3600, Math.max(0.5, Number(params.get('refresh')) || 2));
const esc = (value) => String(value ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const $ = (id) => document.getElementById(id);
const STATES = ['down', 'unknown', 'ramping', 'drained', 'up'];

function clock(seconds) {
  return seconds ? new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + 'Z' : 'never';
}
function ago(now, seconds) {
  if (!seconds) return '';
  const s = Math.max(0, now - seconds);
  return s < 120 ? `${Math.round(s)} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago`
                                                      : `${Math.round(s / 3600)} h ago`;
}
function serviceKey(service) { return service.name + '.' + service.zone; }

// up, down, drained from dnsd; ramping: up on part of its share (slow start); unknown: up only
// because no endpoint has fresh votes yet.
function regionState(region) {
  if (region.state !== 'up') return region.state;
  if (region.ramp < 1) return 'ramping';
  if (region.endpoints.length > 0 && region.endpoints.every((e) => e.state === 'unknown')) {
    return 'unknown';
  }
  return 'up';
}

function tile(service, region) {
  const state = regionState(region);
  const words = state === 'ramping' ? `ramping ${Math.round(region.ramp * 100)}%` : state;
  return `<span class="tile ${state}" data-region="${esc(serviceKey(service) + '/' + region.name)}"` +
         ` data-state="${state}" title="${esc(region.reason)}">${esc(region.name)}: ${esc(words)}` +
         ` (${esc(region.usable_endpoints)}/${esc(region.endpoints.length)})</span>`;
}

function renderSummary(status) {
  const regions = Object.fromEntries(STATES.map((s) => [s, 0]));
  const endpoints = {up: 0, down: 0, unknown: 0, drained: 0};
  const services = {total: 0, degraded: 0, 'all regions down': 0};
  const attention = [];
  for (const service of status.services) {
    services.total++;
    let usable = 0, notUp = 0;
    for (const region of service.regions) {
      const state = regionState(region);
      regions[state]++;
      if (region.state === 'up') usable++;
      if (state !== 'up') {
        notUp++;
        attention.push({service, region, state});
      }
      for (const endpoint of region.endpoints) endpoints[endpoint.state] = (endpoints[endpoint.state] || 0) + 1;
    }
    if (service.regions.length > 0 && usable === 0) services['all regions down']++;
    else if (notUp > 0) services.degraded++;
  }
  const counts = (title, table) => `<p class="counts"><b>${title}:</b> ` + Object.entries(table)
      .map(([state, n]) => `<span class="${esc(state)}" data-count="${esc(title + '.' + state)}">${n} ${esc(state)}</span>`)
      .join('') + '</p>';
  $('summary').innerHTML = counts('services', services) + counts('regions', regions) +
                           counts('endpoints', endpoints);
  attention.sort((a, b) => STATES.indexOf(a.state) - STATES.indexOf(b.state));
  const shown = attention.slice(0, 100);
  $('attention').innerHTML = attention.length === 0
      ? '<p class="success">Every region is up.</p>'
      : `<h2>Not up (${attention.length})</h2><table><tr><th>state</th><th>service / region</th>` +
        '<th>why</th><th>since</th></tr>' + shown.map(({service, region, state}) =>
          `<tr data-attention="${esc(serviceKey(service) + '/' + region.name)}"><td>${tile(service, region)}</td>` +
          `<td>${esc(serviceKey(service))} / ${esc(region.name)}</td><td>${esc(region.reason)}</td>` +
          `<td>${esc(ago(status.now, region.since))}</td></tr>`).join('') + '</table>' +
        (attention.length > shown.length ? `<p>and ${attention.length - shown.length} more</p>` : '');
}

// The N-1 rule of each service with an expected_load, with the regions up now (the "capacity" of
// /v1/status): what they carry beyond the load, and what is left if the service loses the region
// it can least afford to lose. A shortfall is written out ("short"), not told by colour alone.
function renderCapacity(status) {
  const services = status.services.filter((s) => s.capacity);
  if (services.length === 0) { $('capacity').innerHTML = ''; return; }
  const rate = (n) => `${Math.round(n).toLocaleString('en-US')}/s`;
  const margin = (n) => n >= 0 ? `<span class="success">${rate(n)} spare</span>`
                               : `<span class="failure">${rate(-n)} short</span>`;
  const rows = services.map((s) => {
    const c = s.capacity;
    const lost = c.lost_region === null ? 'no region in service'
        : `without ${esc(c.lost_region)} (${rate(c.lost_capacity)}): ${rate(c.n1_capacity)}`;
    const unsaid = c.without_capacity.length
        ? ` <span class="muted">no capacity given: ${esc(c.without_capacity.join(', '))}</span>` : '';
    return `<tr data-capacity="${esc(serviceKey(s))}" data-headroom="${esc(c.headroom)}"` +
           ` data-n1-headroom="${esc(c.n1_headroom)}"><td>${esc(serviceKey(s))}</td>` +
           `<td class="number">${rate(c.expected_load)}</td><td class="number">${rate(c.capacity)}${unsaid}</td>` +
           `<td class="headroom">${margin(c.headroom)}</td><td>${lost}</td>` +
           `<td class="n1-headroom">${margin(c.n1_headroom)}</td></tr>`;
  });
  $('capacity').innerHTML = '<h2>Capacity (N-1)</h2><table><tr><th>service</th>' +
      '<th>expected load</th><th>regions up carry</th><th>headroom</th>' +
      '<th>if it loses its largest region (failover: the active one)</th><th>N-1 headroom</th></tr>' +
      rows.join('') + '</table>';
}

function renderReload(status) {
  const r = status.reload || {};
  const list = (title, items) => items && items.length
      ? `<p>${title}:</p><ul>${items.map((i) => `<li><code>${esc(i)}</code></li>`).join('')}</ul>` : '';
  $('reload').innerHTML = `<h2>Last reload</h2><p id="reload-result" class="${esc(r.result)}">` +
      `${esc(r.result)} at ${esc(clock(r.time))} (${esc(ago(status.now, r.time))})</p>` +
      `<p>last success: ${esc(clock(r.last_success_time))}; ${esc(r.successes)} succeeded, ` +
      `${esc(r.failures)} failed</p>` + list('errors', r.errors) +
      list('changed but needs a restart', r.restart_required);
  const actual = status.config_digest, expected = status.expected_digest;
  let verdict;
  if (expected === null || expected === undefined) verdict = '<span class="unknown">deployed digest not known</span>';
  else if (!actual) verdict = '<span class="unknown">digest not computed</span>';
  else if (actual === expected) verdict = '<span class="match">matches what was deployed</span>';
  else verdict = `<span class="mismatch">DIFFERS from what was deployed (<code>${esc(expected)}</code>)</span>`;
  $('digest').innerHTML = `<h2>Config digest</h2><p><code>${esc(actual || 'not computed')}</code></p>` +
                          `<p id="digest-verdict">${verdict}</p>` +
                          '<p>Health view digest (the same on every nameserver that answers alike): ' +
                          `<code id="health-digest">${esc(status.health_digest)}</code></p>`;
}

function renderEvents(status) {
  const events = status.events || [];
  $('events').innerHTML = events.length === 0 ? '<p class="muted">No changes yet.</p>'
      : '<table><tr><th>time</th><th>what</th><th>change</th><th>why</th></tr>' + events.map((e) => {
          const what = e.kind === 'reload' ? 'reload'
              : [e.service, e.region, e.endpoint].filter((x) => x).join(' / ') || 'everything';
          const to = e.to || '';
          return `<tr data-event="${esc(e.kind)}" data-event-region="${esc((e.service || '') + '/' + (e.region || ''))}"` +
                 ` data-endpoint="${esc(e.endpoint || '')}" data-to="${esc(to)}">` +
                 `<td>${esc(clock(e.time))}<br><span class="muted">${esc(ago(status.now, e.time))}</span></td>` +
                 `<td>${esc(e.kind)}: ${esc(what)}</td><td class="change">${e.from ? `<span class="tile ${esc(e.from)}">${esc(e.from)}</span> → ` : ''}` +
                 `<span class="tile ${esc(to)}">${esc(to)}</span></td><td>${esc(e.reason)}</td></tr>`;
        }).join('') + '</table>';
}

function renderEndpoints(body, status) {
  const service = status.services[0];
  if (!service) { body.innerHTML = '<p>This service is no longer served.</p>'; return; }
  let html = '<table><tr><th>region</th><th>endpoint</th><th>state</th><th>why</th><th>votes (prober: vote, RTT, age)</th></tr>';
  for (const region of service.regions) {
    for (const e of region.endpoints) {
      const votes = (e.votes || []).map((v) => `<span class="tile ${v.fresh ? (v.up ? 'up' : 'down') : 'unknown'}"` +
          ` title="${esc(v.reason)}">${esc(v.prober)}: ${v.fresh ? (v.up ? 'up' : 'down') : 'stale'}, ` +
          `${v.rtt_ms === null ? 'no RTT' : esc(Number(v.rtt_ms).toFixed(1)) + ' ms'}, ${esc(v.age)} s</span>`).join(' ');
      html += `<tr data-endpoint="${esc(serviceKey(service) + '/' + region.name + '/' + e.address)}">` +
              `<td>${esc(region.name)}</td><td><code>${esc(e.address)}</code></td>` +
              `<td><span class="tile ${esc(e.state)}">${esc(e.state)}</span></td><td>${esc(e.reason)}</td>` +
              `<td>${votes || '<span class="muted">none</span>'}</td></tr>`;
    }
  }
  body.innerHTML = html + '</table>';
}

async function loadEndpoints(details) {
  const query = new URLSearchParams({zone: details.dataset.zone, service: details.dataset.name, votes: '1', events: '0'});
  try {
    const reply = await fetch('/v1/status?' + query);
    if (details.open) renderEndpoints(details.querySelector('.body'), await reply.json());
  } catch (error) {
    details.querySelector('.body').textContent = 'could not load: ' + error;
  }
}

// Updated in place, so a service left open stays open across refreshes.
function renderServices(status) {
  const list = $('services');
  const seen = new Set();
  for (const service of status.services) {
    const key = serviceKey(service);
    seen.add(key);
    let details = list.querySelector(`details[data-service="${CSS.escape(key)}"]`);
    if (!details) {
      details = document.createElement('details');
      details.dataset.service = key;
      details.dataset.zone = service.zone;
      details.dataset.name = service.name;
      details.innerHTML = '<summary></summary><div class="body">loading…</div>';
      details.addEventListener('toggle', () => { if (details.open) loadEndpoints(details); });
      list.appendChild(details);
    }
    details.querySelector('summary').innerHTML = `<span class="name">${esc(key)}</span> <span class="muted">` +
        `${esc(service.policy)}</span> ` + service.regions.map((r) => tile(service, r)).join('');
    if (details.open) loadEndpoints(details);
  }
  for (const details of [...list.children]) if (!seen.has(details.dataset.service)) details.remove();
}

let lastGood = 0;
async function refresh() {
  try {
    const started = performance.now();
    const reply = await fetch('/v1/status?votes=0');
    if (!reply.ok) throw new Error('HTTP ' + reply.status);
    const status = await reply.json();
    const fetched = performance.now();
    renderSummary(status);
    renderCapacity(status);
    renderReload(status);
    renderEvents(status);
    renderServices(status);
    lastGood = Date.now();
    $('updated').className = 'muted';
    $('updated').textContent = `updated ${clock(status.now)}, every ${refreshSeconds} s`;
    // How long the last refresh took to fetch and to render, for tests and the curious.
    document.body.dataset.fetchMs = String(Math.round(fetched - started));
    document.body.dataset.renderMs = String(Math.round(performance.now() - fetched));
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  } catch (error) {
    $('updated').className = 'stale';
    $('updated').textContent = `cannot reach dnsd (${error.message}); showing ` +
        (lastGood ? `data from ${new Date(lastGood).toISOString()}` : 'nothing yet');
  }
  setTimeout(refresh, refreshSeconds * 1000);
}
refresh();
