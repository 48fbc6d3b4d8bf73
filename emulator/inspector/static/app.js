// standin inspector: reads the admin API, follows GET /__admin/stream (or
// polls when the server has no stream), and acts on deliveries and runs.
// Every value shown comes from the API and may be attacker-controlled, so
// the page builds its DOM with text nodes only (never innerHTML).
(function () {
  'use strict';

  const TOKEN_KEY = 'standin.adminToken';
  const MAX_ROWS = 500; // rows drawn; the rest are counted
  const POLL_MS = 1000;
  const STREAM_IDLE_MS = 45000; // three missed heartbeats: reconnect

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY) || '',
    mode: 'connecting',
    catalog: [], // [{vendor, event, slug, variants}]
    scenarios: [],
    subscriptions: new Map(), // id -> subscription
    deliveries: new Map(), // id -> delivery (list item)
    runs: new Map(), // id -> run (list item)
    selected: '', // delivery id
    detail: null, // GET /__admin/deliveries/{id}
    selectedRun: '',
    runDetail: null, // GET /__admin/runs/{id}
    payloads: new Map(), // event id -> payload text, for search
    payloadTried: new Set(), // event ids (and run:<id>) fetched or in flight
    buffer: null, // stream events held while a snapshot loads
  };

  const $ = (id) => document.getElementById(id);

  // h builds an element: props set attributes (class, dataset, on*
  // listeners); children are nodes or strings, which become text nodes.
  function h(tag, props, ...kids) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    return put(el, ...kids);
  }

  // put appends children to el as h does: nodes, or strings as text nodes;
  // null and false are skipped.
  function put(el, ...kids) {
    for (const kid of kids.flat(Infinity)) {
      if (kid == null || kid === false) continue;
      el.append(kid instanceof Node ? kid : String(kid));
    }
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

  // debounce returns fn delayed until ms after its last call.
  function debounce(fn, ms) {
    let t = 0;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  // --- the API ---------------------------------------------------------

  function authHeaders(token) {
    const t = token === undefined ? state.token : token;
    return t ? { Authorization: 'Bearer ' + t } : {};
  }

  // APIError is an error answer of the admin API.
  class APIError extends Error {
    constructor(status, body) {
      const e = (body && body.error) || {};
      super(e.message || 'HTTP ' + status);
      this.status = status;
      this.code = e.code || '';
      this.details = e.details;
    }
  }

  // api calls the admin API and returns the decoded answer; an error
  // answer throws an APIError. A 401 asks for the admin token, then retries.
  async function api(method, path, body) {
    for (;;) {
      const init = { method, headers: authHeaders() };
      if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
      }
      const res = await fetch(path, init);
      if (res.status === 401) {
        await askToken(state.token ? 'The admin token was refused.' : '');
        continue;
      }
      const text = await res.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (e) {
        data = null;
      }
      if (!res.ok) throw new APIError(res.status, data);
      return data;
    }
  }

  // --- admin token -------------------------------------------------------

  let tokenWait = null;

  // askToken shows the token dialog once, however many requests need it,
  // and resolves when the server accepts a token.
  function askToken(message) {
    if (tokenWait) return tokenWait;
    tokenWait = new Promise((resolve) => {
      const dlg = $('token-dialog');
      const err = $('token-error');
      err.hidden = !message;
      err.textContent = message || '';
      $('token-input').value = '';
      $('btn-token').hidden = false;
      const submit = async (ev) => {
        ev.preventDefault();
        const candidate = $('token-input').value.trim();
        if (!candidate) return;
        const res = await fetch('/__admin/events', { headers: authHeaders(candidate) });
        if (res.status === 401) {
          err.hidden = false;
          err.textContent = 'The server refused this token.';
          return;
        }
        state.token = candidate;
        sessionStorage.setItem(TOKEN_KEY, candidate);
        $('token-form').removeEventListener('submit', submit);
        dlg.close();
        tokenWait = null;
        resolve();
      };
      $('token-form').addEventListener('submit', submit);
      if (!dlg.open) dlg.showModal();
      $('token-input').focus();
    });
    return tokenWait;
  }

  // --- formatting ----------------------------------------------------------

  // prettyJSON re-indents JSON text, keeping every token as written
  // (numbers too large for a JavaScript number stay exact); null when the
  // text is not JSON.
  function prettyJSON(text) {
    if (typeof text !== 'string' || text.trim() === '') return null;
    try {
      JSON.parse(text);
    } catch (e) {
      return null;
    }
    let out = '';
    let ind = 0;
    let inStr = false;
    let esc = false;
    const nl = () => '\n' + '  '.repeat(ind);
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (inStr) {
        out += ch;
        if (esc) esc = false;
        else if (ch === '\\') esc = true;
        else if (ch === '"') inStr = false;
        continue;
      }
      switch (ch) {
        case '"':
          inStr = true;
          out += ch;
          break;
        case '{':
        case '[': {
          let j = i + 1;
          while (j < text.length && /\s/.test(text[j])) j++;
          if (text[j] === (ch === '{' ? '}' : ']')) {
            out += ch + text[j];
            i = j;
            break;
          }
          ind++;
          out += ch + nl();
          break;
        }
        case '}':
        case ']':
          ind--;
          out += nl() + ch;
          break;
        case ',':
          out += ',' + nl();
          break;
        case ':':
          out += ': ';
          break;
        case ' ':
        case '\t':
        case '\n':
        case '\r':
          break;
        default:
          out += ch;
      }
    }
    return out;
  }

  function bodyText(text) {
    if (text == null || text === '') return '(empty)';
    return prettyJSON(text) || text;
  }

  function clock(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    const p = (n, w) => String(n).padStart(w || 2, '0');
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds()) + '.' + p(d.getMilliseconds(), 3);
  }

  // virtualTime shows a payload-clock time as written, without fractions.
  function virtualTime(iso) {
    return String(iso || '').replace('T', ' ').replace(/\.\d+/, '');
  }

  function offset(fromISO, toISO) {
    const ms = Date.parse(toISO) - Date.parse(fromISO);
    if (!isFinite(ms)) return '';
    let s = Math.round(ms / 1000);
    const parts = [];
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const hh = Math.floor(s / 3600);
    s -= hh * 3600;
    const mm = Math.floor(s / 60);
    s -= mm * 60;
    if (d) parts.push(d + 'd');
    if (hh) parts.push(hh + 'h');
    if (mm) parts.push(mm + 'm');
    if (s || !parts.length) parts.push(s + 's');
    return '+' + parts.join('');
  }

  function badge(status) {
    return h('span', { class: 'badge s-' + String(status).replace(/[^a-z]/g, '') }, status);
  }

  function plural(n, one, many) {
    return n + ' ' + (n === 1 ? one : many);
  }

  function short(id) {
    return String(id || '').replace(/^(\w+?_)(.{8}).*$/, '$1$2');
  }

  // --- banner ------------------------------------------------------------

  function notify(text, isError) {
    const b = $('banner');
    b.hidden = false;
    b.classList.toggle('error', !!isError);
    $('banner-text').textContent = text;
  }

  function fail(err) {
    notify(err && err.message ? err.message : String(err), true);
  }

  // --- live updates ------------------------------------------------------

  function setMode(mode) {
    state.mode = mode;
    const el = $('live');
    el.dataset.state = mode;
    el.textContent = { live: 'live', polling: 'live (polling)', reconnecting: 'reconnecting', connecting: 'connecting' }[mode] || mode;
  }

  // newer reports whether list item b should replace a (stream events can
  // arrive after the snapshot that already holds what they say).
  function newerDelivery(a, b) {
    if (!a) return true;
    return !(Date.parse(a.updated_at) > Date.parse(b.updated_at));
  }

  function newerRun(a, b) {
    if (!a) return true;
    if (a.finished_at && !b.finished_at) return false;
    return (b.events || 0) >= (a.events || 0);
  }

  function putDelivery(d) {
    const old = state.deliveries.get(d.id);
    if (!newerDelivery(old, d)) return;
    if (old && old.attempt_count > d.attempt_count) d.attempt_count = old.attempt_count;
    state.deliveries.set(d.id, d);
    if (d.id === state.selected) reloadDetail();
    if (d.run && d.run === state.selectedRun) reloadRun();
  }

  function putRun(r) {
    const old = state.runs.get(r.id);
    if (!newerRun(old, r)) return;
    state.runs.set(r.id, r);
    if (r.id === state.selectedRun) reloadRun();
    if (old && old.events !== r.events) state.payloadTried.delete('run:' + r.id);
  }

  function onStreamEvent(kind, data) {
    if (state.buffer) {
      state.buffer.push([kind, data]);
      return;
    }
    switch (kind) {
      case 'delivery':
        putDelivery(data);
        break;
      case 'attempt': {
        const d = state.deliveries.get(data.delivery);
        const n = data.attempt && data.attempt.n;
        if (d && n > (d.attempt_count || 0)) d.attempt_count = n;
        if (data.delivery === state.selected) reloadDetail();
        break;
      }
      case 'run':
        putRun(data);
        break;
      case 'dropped':
        // the server lost some events for this reader: start afresh
        snapshot().catch(fail);
        return;
      default:
        return;
    }
    render();
  }

  // snapshot loads runs, deliveries and subscriptions whole; stream events
  // that arrive meanwhile are applied after it.
  async function snapshot() {
    state.buffer = state.buffer || [];
    try {
      const [ds, rs, subs] = await Promise.all([
        api('GET', '/__admin/deliveries'),
        api('GET', '/__admin/runs'),
        api('GET', '/__admin/subscriptions'),
      ]);
      state.deliveries = new Map(ds.map((d) => [d.id, d]));
      state.runs = new Map(rs.map((r) => [r.id, r]));
      state.subscriptions = new Map(subs.map((s) => [s.id, s]));
    } finally {
      const held = state.buffer;
      state.buffer = null;
      for (const [k, d] of held) onStreamEvent(k, d);
    }
    if (state.selected) reloadDetail();
    if (state.selectedRun) reloadRun();
    render();
  }

  // readStream applies server-sent events from body until it ends.
  async function readStream(body, ctl) {
    const reader = body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let idle = setTimeout(() => ctl.abort(), STREAM_IDLE_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(idle);
        idle = setTimeout(() => ctl.abort(), STREAM_IDLE_MS);
        buf += dec.decode(value, { stream: true });
        let m;
        while ((m = /\r?\n\r?\n/.exec(buf))) {
          const block = buf.slice(0, m.index);
          buf = buf.slice(m.index + m[0].length);
          dispatch(block);
        }
      }
    } finally {
      clearTimeout(idle);
    }
  }

  function dispatch(block) {
    let kind = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line[0] === ':') continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let val = c < 0 ? '' : line.slice(c + 1);
      if (val[0] === ' ') val = val.slice(1);
      if (field === 'event') kind = val;
      else if (field === 'data') data.push(val);
    }
    if (!data.length) return;
    let obj;
    try {
      obj = JSON.parse(data.join('\n'));
    } catch (e) {
      return;
    }
    onStreamEvent(kind, obj);
  }

  // live follows the stream; a server without one (404) is polled instead.
  async function live() {
    for (;;) {
      const ctl = new AbortController();
      let res;
      try {
        res = await fetch('/__admin/stream', { headers: authHeaders(), signal: ctl.signal, cache: 'no-store' });
      } catch (e) {
        setMode('reconnecting');
        await sleep(2000);
        continue;
      }
      if (res.status === 401) {
        await askToken('The admin token was refused.');
        continue;
      }
      if (res.status === 404) {
        return poll();
      }
      if (!res.ok || !res.body) {
        setMode('reconnecting');
        await sleep(2000);
        continue;
      }
      setMode('live');
      const reading = readStream(res.body, ctl);
      snapshot().catch(fail);
      try {
        await reading;
      } catch (e) {
        // the stream broke or went idle: reconnect
      }
      setMode('reconnecting');
      await sleep(1000);
    }
  }

  async function poll() {
    setMode('polling');
    let lastD = '';
    let lastR = '';
    let tick = 0;
    for (;;) {
      try {
        const [ds, rs] = await Promise.all([api('GET', '/__admin/deliveries'), api('GET', '/__admin/runs')]);
        if (tick++ % 5 === 0) {
          const subs = await api('GET', '/__admin/subscriptions');
          state.subscriptions = new Map(subs.map((s) => [s.id, s]));
        }
        const jd = JSON.stringify(ds);
        const jr = JSON.stringify(rs);
        if (jd !== lastD || jr !== lastR) {
          const old = state.deliveries;
          const oldRuns = state.runs;
          state.deliveries = new Map(ds.map((d) => [d.id, d]));
          state.runs = new Map(rs.map((r) => [r.id, r]));
          const sel = state.selected && state.deliveries.get(state.selected);
          const was = state.selected && old.get(state.selected);
          if (sel && (!was || sel.updated_at !== was.updated_at || sel.attempt_count !== was.attempt_count)) reloadDetail();
          const run = state.selectedRun && state.runs.get(state.selectedRun);
          if (run && JSON.stringify(run) !== JSON.stringify(oldRuns.get(state.selectedRun))) reloadRun();
          for (const r of rs) {
            const o = oldRuns.get(r.id);
            if (o && o.events !== r.events) state.payloadTried.delete('run:' + r.id);
          }
          lastD = jd;
          lastR = jr;
          render();
        }
        if ($('live').dataset.state !== 'polling') setMode('polling');
      } catch (e) {
        setMode('reconnecting');
      }
      await sleep(POLL_MS);
    }
  }

  // --- filters and search -----------------------------------------------

  function filters() {
    return {
      run: $('f-run').value,
      vendor: $('f-vendor').value,
      event: $('f-event').value,
      status: $('f-status').value,
      subscription: $('f-subscription').value,
      q: $('f-q').value.trim(),
    };
  }

  // getPath reads a dot path (data.items.0.id, or items[0]) from a value.
  function getPath(v, path) {
    const parts = path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((p) => p !== '');
    for (const p of parts) {
      if (v == null || typeof v !== 'object') return undefined;
      v = v[p];
    }
    return v;
  }

  // parseSearch splits "path=value" from free text.
  function parseSearch(q) {
    const m = /^([A-Za-z_$][\w$-]*(?:\.[\w$-]+|\[\d+\])*)\s*=\s*(.*)$/.exec(q);
    return m ? { path: m[1], value: m[2].replace(/^"(.*)"$/, '$1') } : { text: q.toLowerCase() };
  }

  function matchSearch(d, s) {
    const text = state.payloads.get(d.event_id);
    if (s.path) {
      if (text === undefined) return false;
      let v;
      try {
        v = getPath(JSON.parse(text), s.path);
      } catch (e) {
        return false;
      }
      if (v === undefined) return false;
      return (typeof v === 'string' ? v : JSON.stringify(v)) === s.value;
    }
    const meta = [d.id, d.event_id, d.event, d.url, d.vendor, d.error].join(' ').toLowerCase();
    return meta.includes(s.text) || (text !== undefined && text.toLowerCase().includes(s.text));
  }

  function matches(d, f, s) {
    return (
      (!f.run || d.run === f.run) &&
      (!f.vendor || d.vendor === f.vendor) &&
      (!f.event || d.event === f.event) &&
      (!f.status || d.status === f.status) &&
      (!f.subscription || d.subscription === f.subscription) &&
      (!s || matchSearch(d, s))
    );
  }

  // loadPayloads fetches, for a search, the payloads not yet known: a run's
  // all at once, an emit's from its delivery.
  let loading = 0;
  const waiting = [];
  function loadPayloads(list) {
    for (const d of list) {
      if (state.payloads.has(d.event_id)) continue;
      const key = d.run ? 'run:' + d.run : d.event_id;
      if (state.payloadTried.has(key)) continue;
      state.payloadTried.add(key);
      waiting.push(d.run ? () => fetchRunPayloads(d.run) : () => fetchDeliveryPayload(d));
    }
    pump();
  }

  function pump() {
    while (loading < 4 && waiting.length) {
      const job = waiting.shift();
      loading++;
      job()
        .catch(() => {})
        .finally(() => {
          loading--;
          pump();
          if (!loading && !waiting.length) render();
        });
    }
  }

  function rememberRunPayloads(r) {
    for (const e of r.events || []) {
      if (e.payload !== undefined) state.payloads.set(e.event_id, JSON.stringify(e.payload));
    }
  }

  async function fetchRunPayloads(id) {
    rememberRunPayloads(await api('GET', '/__admin/runs/' + encodeURIComponent(id)));
  }

  async function fetchDeliveryPayload(d) {
    const full = await api('GET', '/__admin/deliveries/' + encodeURIComponent(d.id));
    if (full.payload !== undefined) state.payloads.set(d.event_id, JSON.stringify(full.payload));
  }

  // fillSelect sets a select's options to values, keeping its choice.
  function fillSelect(sel, values, label) {
    const cur = sel.value;
    const want = [''].concat(values);
    const have = Array.from(sel.options).map((o) => o.value);
    if (want.length === have.length && want.every((v, i) => v === have[i])) return;
    clear(sel).append(h('option', { value: '' }, 'any'));
    for (const v of values) sel.append(h('option', { value: v }, label ? label(v) : v));
    sel.value = want.includes(cur) ? cur : '';
  }

  function renderFilters() {
    const runs = Array.from(state.runs.values()).map((r) => r.id);
    fillSelect($('f-run'), runs, (id) => {
      const r = state.runs.get(id);
      return r ? r.scenario + ' · ' + short(id) : id;
    });
    const vendors = Array.from(new Set(state.catalog.map((e) => e.vendor)));
    fillSelect($('f-vendor'), vendors);
    const v = $('f-vendor').value;
    const events = state.catalog.filter((e) => !v || e.vendor === v).map((e) => e.event);
    fillSelect($('f-event'), Array.from(new Set(events)));
    const subs = new Set(state.subscriptions.keys());
    for (const d of state.deliveries.values()) subs.add(d.subscription);
    fillSelect($('f-subscription'), Array.from(subs).sort(), (id) => {
      const s = state.subscriptions.get(id);
      return s ? short(id) + ' · ' + s.url : id;
    });
  }

  // --- drawing -----------------------------------------------------------

  let frame = 0;
  function render() {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      renderFilters();
      renderRuns();
      renderDeliveries();
    });
  }

  function renderRuns() {
    const list = clear($('runs'));
    const runs = Array.from(state.runs.values()).sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at));
    $('runs-empty').hidden = runs.length > 0;
    for (const r of runs) {
      const c = r.deliveries || {};
      const done = (c.delivered || 0) + (c.failed || 0);
      list.append(
        h(
          'li',
          {
            class: 'run' + (r.id === state.selectedRun ? ' selected' : ''),
            dataset: { run: r.id, status: r.status },
            tabindex: 0,
            onclick: () => selectRun(r.id === state.selectedRun ? '' : r.id),
            onkeydown: (ev) => ev.key === 'Enter' && selectRun(r.id === state.selectedRun ? '' : r.id),
          },
          h('div', { class: 'run-head' }, h('span', { class: 'scenario' }, r.scenario), badge(r.status)),
          h('div', { class: 'meta' }, r.vendor, ' · seed ', String(r.seed), ' · ', short(r.id), ' · ', clock(r.started_at)),
          h('progress', { max: Math.max(c.total || 0, 1), value: done }),
          h(
            'div',
            { class: 'meta progress-text' },
            plural(r.events || 0, 'event', 'events') + ' · ' + (c.delivered || 0) + '/' + (c.total || 0) + ' delivered' + (c.failed ? ' · ' + c.failed + ' failed' : '') + (c.pending ? ' · ' + c.pending + ' pending' : '')
          ),
          r.error ? h('div', { class: 'error' }, r.error) : null
        )
      );
    }
    renderRunDetail();
  }

  function renderRunDetail() {
    const box = clear($('run-detail'));
    const r = state.runDetail;
    if (!state.selectedRun || !r || r.id !== state.selectedRun) return;
    const evs = r.events || [];
    const first = evs.length ? evs[0].at : '';
    put(
      box,
      h('h3', null, 'Story of ', r.scenario),
      h('p', { class: 'meta' }, 'run ', r.id, ' · time scale ', String(r.time_scale)),
      r.error ? h('p', { class: 'error' }, r.error) : null,
      h(
        'ol',
        { class: 'timeline' },
        evs.map((e) =>
          h(
            'li',
            {
              dataset: { event: e.event_id },
              tabindex: 0,
              onclick: () => e.deliveries && e.deliveries[0] && select(e.deliveries[0]),
            },
            h('span', { class: 'vt' }, virtualTime(e.at)),
            h('span', { class: 'off' }, offset(first, e.at)),
            h('span', { class: 'ev' }, e.event),
            e.entity ? h('span', { class: 'entity' }, e.entity) : null,
            e.fault ? h('span', { class: 'badge s-fault' }, e.fault) : null,
            h('span', { class: 'meta' }, plural((e.deliveries || []).length, 'delivery', 'deliveries'), e.deliveries && e.deliveries.length ? ' · ' + deliveryStates(e.deliveries) : ''),
            e.note ? h('div', { class: 'note' }, e.note) : null
          )
        )
      )
    );
  }

  function deliveryStates(ids) {
    return ids.map((id) => (state.deliveries.get(id) || {}).status || '?').join(', ');
  }

  function renderDeliveries() {
    const f = filters();
    const s = f.q ? parseSearch(f.q) : null;
    const all = Array.from(state.deliveries.values());
    const note = $('search-note');
    if (s) {
      loadPayloads(all.filter((d) => matches(d, { ...f, q: '' }, null)));
      note.hidden = !(loading || waiting.length);
      note.textContent = 'Loading payloads to search…';
    } else {
      note.hidden = true;
    }
    const list = all.filter((d) => matches(d, f, s)).sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
    $('count').textContent = list.length === all.length ? String(all.length) : list.length + ' of ' + all.length;
    $('deliveries-empty').hidden = list.length > 0;
    const body = clear($('deliveries').tBodies[0]);
    for (const d of list.slice(0, MAX_ROWS)) {
      body.append(
        h(
          'tr',
          {
            class: d.id === state.selected ? 'selected' : null,
            dataset: { id: d.id, status: d.status },
            tabindex: 0,
            onclick: () => select(d.id),
            onkeydown: (ev) => ev.key === 'Enter' && select(d.id),
          },
          h('td', { class: 'time' }, clock(d.created_at)),
          h('td', { class: 'wide' }, d.vendor),
          h('td', { class: 'event' }, d.event),
          h('td', null, badge(d.status)),
          h('td', { class: 'num' }, String(d.attempt_count || 0)),
          h('td', { class: 'wide url', title: d.url }, d.url),
          h('td', { class: 'wide' }, d.run ? short(d.run) : 'emit')
        )
      );
    }
    if (list.length > MAX_ROWS) {
      body.append(h('tr', null, h('td', { colspan: 7, class: 'hint' }, 'and ' + (list.length - MAX_ROWS) + ' older (narrow the filters)')));
    }
  }

  // --- selection ---------------------------------------------------------

  function select(id) {
    state.selected = id;
    state.detail = null;
    renderDetail();
    reloadDetailNow();
    render();
  }

  async function reloadDetailNow() {
    const id = state.selected;
    if (!id) return;
    try {
      const d = await api('GET', '/__admin/deliveries/' + encodeURIComponent(id));
      if (state.selected !== id) return;
      state.detail = d;
      if (d.payload !== undefined) state.payloads.set(d.event_id, JSON.stringify(d.payload));
    } catch (e) {
      if (state.selected !== id) return;
      state.detail = { missing: true, id, message: e.message };
    }
    renderDetail();
  }
  const reloadDetail = debounce(reloadDetailNow, 100);

  function selectRun(id) {
    state.selectedRun = id;
    state.runDetail = null;
    $('f-run').value = id;
    reloadRunNow();
    render();
  }

  async function reloadRunNow() {
    const id = state.selectedRun;
    if (!id) return;
    try {
      const r = await api('GET', '/__admin/runs/' + encodeURIComponent(id));
      if (state.selectedRun !== id) return;
      state.runDetail = r;
      rememberRunPayloads(r);
    } catch (e) {
      if (state.selectedRun !== id) return;
      state.runDetail = null;
    }
    renderRuns();
  }
  const reloadRun = debounce(reloadRunNow, 200);

  function headersTable(hs) {
    const rows = [];
    for (const [k, vs] of Object.entries(hs || {})) {
      for (const v of [].concat(vs)) rows.push(h('tr', null, h('th', null, k), h('td', null, v)));
    }
    if (!rows.length) return h('p', { class: 'hint' }, 'no headers');
    return h('table', { class: 'headers' }, h('tbody', null, rows));
  }

  function schemaBox(d) {
    const sc = d.schema;
    if (!sc) return h('p', { class: 'schema unknown' }, 'No schema for this event.');
    if (sc.valid) return h('p', { class: 'schema valid' }, '✓ The payload is valid against the ', d.vendor, ' ', d.event, ' schema.');
    return h(
      'div',
      { class: 'schema invalid' },
      h('p', null, '✗ The payload is not valid against the ', d.vendor, ' ', d.event, ' schema', sc.error ? ': ' + sc.error : '.'),
      h('ul', { class: 'problems' }, (sc.violations || []).map((v) => h('li', null, h('code', null, v.pointer || '/'), ' ', v.message)))
    );
  }

  function attemptCard(a) {
    const resp = a.response;
    return h(
      'article',
      { class: 'attempt' + (a.success ? ' ok' : ' bad'), dataset: { n: a.n } },
      h(
        'header',
        null,
        h('strong', null, 'Attempt ', String(a.n)),
        a.duplicate ? h('span', { class: 'badge s-fault' }, 'duplicate') : null,
        h('span', { class: 'badge ' + (a.success ? 's-delivered' : 's-failed') }, a.success ? 'success' : 'failure'),
        h('span', { class: 'meta' }, clock(a.started_at), ' · ', a.duration)
      ),
      h(
        'div',
        { class: 'sides' },
        h(
          'section',
          { class: 'side request' },
          h('h4', null, 'Request'),
          a.request
            ? [
                h('p', { class: 'line' }, h('span', { class: 'method' }, a.request.method), ' ', h('span', { class: 'url' }, a.request.url)),
                headersTable(a.request.headers),
                h('pre', { class: 'code body' }, bodyText(a.request.body)),
              ]
            : h('p', { class: 'hint' }, 'nothing sent: the attempt failed before its request (see the error)')
        ),
        h(
          'section',
          { class: 'side response' },
          h('h4', null, 'Response'),
          resp
            ? [
                h('p', { class: 'line' }, 'HTTP ', h('span', { class: 'status' }, String(resp.status)), ' · ', h('span', { class: 'duration' }, a.duration)),
                headersTable(resp.headers),
                h('pre', { class: 'code body' }, bodyText(resp.body)),
                resp.truncated ? h('p', { class: 'hint' }, 'body cut to the log limit') : null,
              ]
            : h('p', { class: 'hint' }, 'no response'),
          a.error ? h('p', { class: 'error attempt-error' }, a.error) : null
        )
      )
    );
  }

  function renderDetail() {
    const box = clear($('detail'));
    const d = state.detail;
    if (!state.selected) {
      box.append(h('p', { class: 'hint' }, 'Select a delivery to see its attempts.'));
      return;
    }
    if (!d) {
      box.append(h('p', { class: 'hint' }, 'Loading ', state.selected, '…'));
      return;
    }
    if (d.missing) {
      box.append(h('p', { class: 'error' }, d.message));
      return;
    }
    const attempts = d.attempts || [];
    put(
      box,
      h(
        'div',
        { class: 'detail-head', dataset: { id: d.id } },
        h('h2', null, d.event, ' ', badge(d.status)),
        h('button', { type: 'button', id: 'redeliver', class: 'primary', onclick: () => redeliver(d.id) }, 'Redeliver')
      ),
      h(
        'dl',
        { class: 'facts' },
        [
          ['delivery', d.id],
          ['vendor', d.vendor],
          ['target', d.url],
          ['subscription', d.subscription],
          ['run', d.run || '(an emit)'],
          ['event id', d.event_id],
          ['created', d.created_at],
          ['updated', d.updated_at],
        ].map(([k, v]) => [h('dt', null, k), h('dd', null, v)])
      ),
      d.error ? h('p', { class: 'error' }, d.error) : null,
      schemaBox(d),
      d.payload !== undefined ? h('details', { class: 'payload' }, h('summary', null, 'Event payload'), h('pre', { class: 'code' }, bodyText(JSON.stringify(d.payload)))) : null,
      h('h3', null, 'Attempts (', String(attempts.length), ')'),
      attempts.length ? h('div', { class: 'attempts' }, attempts.map(attemptCard)) : h('p', { class: 'hint' }, 'No attempt yet.')
    );
  }

  // --- actions -----------------------------------------------------------

  async function redeliver(id) {
    try {
      await api('POST', '/__admin/deliveries/' + encodeURIComponent(id) + '/redeliver');
      notify('Redelivering ' + id + '.');
      reloadDetail();
    } catch (e) {
      fail(e);
    }
  }

  let resetArmed = 0;
  async function reset() {
    const btn = $('btn-reset');
    if (!resetArmed) {
      btn.textContent = 'Click again to reset';
      resetArmed = setTimeout(() => {
        resetArmed = 0;
        btn.textContent = 'Reset';
      }, 3000);
      return;
    }
    clearTimeout(resetArmed);
    resetArmed = 0;
    btn.textContent = 'Reset';
    try {
      await api('POST', '/__admin/reset');
      state.selected = '';
      state.detail = null;
      state.selectedRun = '';
      state.runDetail = null;
      state.payloads.clear();
      state.payloadTried.clear();
      renderDetail();
      await snapshot();
      notify('Runs, events and deliveries cleared.');
    } catch (e) {
      fail(e);
    }
  }

  // --- emit --------------------------------------------------------------

  function emitEvent() {
    const vendor = $('emit-vendor').value;
    const slug = $('emit-event').value;
    return state.catalog.find((e) => e.vendor === vendor && e.slug === slug);
  }

  function fillEmitEvents() {
    const vendor = $('emit-vendor').value;
    const sel = clear($('emit-event'));
    for (const e of state.catalog.filter((e) => e.vendor === vendor)) sel.append(h('option', { value: e.slug }, e.event));
    fillEmitVariants();
  }

  function fillEmitVariants() {
    const e = emitEvent();
    const vs = (e && e.variants) || [];
    $('emit-variant-label').hidden = !vs.length;
    const sel = clear($('emit-variant'));
    sel.append(h('option', { value: '' }, 'default'));
    for (const v of vs) sel.append(h('option', { value: v }, v));
  }

  function emitURL(dryRun) {
    const e = emitEvent();
    const q = new URLSearchParams();
    const seed = $('emit-seed').value.trim();
    if (seed) q.set('seed', seed);
    if ($('emit-variant').value) q.set('variant', $('emit-variant').value);
    if (dryRun) q.set('dry_run', 'true');
    const qs = q.toString();
    return '/__admin/events/' + encodeURIComponent(e.vendor) + '/' + encodeURIComponent(e.slug) + (qs ? '?' + qs : '');
  }

  function showEmitProblems(message, problems) {
    $('emit-preview-box').hidden = true;
    const check = $('emit-check');
    check.className = 'check bad';
    check.textContent = message;
    const ul = clear($('emit-errors'));
    for (const p of problems || []) ul.append(h('li', null, h('code', null, p.pointer || '/'), ' ', p.message));
  }

  // checkEmit validates the override on the server (a dry run) and shows
  // the payload or what is wrong; it returns whether the emit may go.
  let checkSeq = 0;
  async function checkEmit() {
    const seq = ++checkSeq;
    const e = emitEvent();
    if (!e) return false;
    const text = $('emit-override').value.trim() || '{}';
    try {
      const v = JSON.parse(text);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        showEmitProblems('The override must be a JSON object.', []);
        return false;
      }
    } catch (err) {
      showEmitProblems('The override is not JSON: ' + err.message, []);
      return false;
    }
    try {
      const res = await api('POST', emitURL(true), text);
      if (seq !== checkSeq) return false;
      const check = $('emit-check');
      check.className = 'check ok';
      check.textContent = '✓ Valid ' + res.vendor + ' ' + res.event + ' (seed ' + res.seed + ').';
      clear($('emit-errors'));
      $('emit-preview').textContent = bodyText(JSON.stringify(res.payload));
      $('emit-preview-box').hidden = false;
      return true;
    } catch (err) {
      if (seq !== checkSeq) return false;
      const problems = err.status === 422 && Array.isArray(err.details) ? err.details : [];
      const e2 = emitEvent();
      showEmitProblems(problems.length ? '✗ Nothing sent: with this override the payload is not a valid ' + e2.vendor + ' ' + e2.event + ':' : err.message, problems);
      $('emit-preview').textContent = '';
      $('emit-preview-box').hidden = true;
      return false;
    }
  }
  const checkEmitSoon = debounce(checkEmit, 400);

  async function sendEmit(ev) {
    ev.preventDefault();
    const btn = $('emit-send');
    btn.disabled = true;
    try {
      if (!(await checkEmit())) return; // nothing is sent while the check fails
      const res = await api('POST', emitURL(false), $('emit-override').value.trim() || '{}');
      $('emit-dialog').close();
      notify('Emitted ' + res.vendor + ' ' + res.event + ' (' + res.event_id + '): ' + (res.deliveries || []).length + ' deliveries.');
      for (const d of res.deliveries || []) putDelivery(d);
      render();
      if (res.deliveries && res.deliveries[0]) select(res.deliveries[0].id);
    } catch (err) {
      showEmitProblems(err.message, err.status === 422 ? err.details : []);
    } finally {
      btn.disabled = false;
    }
  }

  function openEmit() {
    const vendors = Array.from(new Set(state.catalog.map((e) => e.vendor)));
    const sel = $('emit-vendor');
    if (sel.options.length !== vendors.length) {
      clear(sel);
      for (const v of vendors) sel.append(h('option', { value: v }, v));
      fillEmitEvents();
    }
    $('emit-check').textContent = '';
    $('emit-check').className = 'check';
    clear($('emit-errors'));
    $('emit-dialog').showModal();
    checkEmitSoon();
  }

  // --- play --------------------------------------------------------------

  function playMode() {
    return $('play-mode-yaml').checked ? 'yaml' : 'builtin';
  }

  function showPlayMode() {
    $('play-builtin').hidden = playMode() !== 'builtin';
    $('play-yaml').hidden = playMode() !== 'yaml';
    drawGutter([]);
  }

  function describeScenario() {
    const s = state.scenarios.find((x) => x.name === $('play-scenario').value);
    $('play-description').textContent = s ? s.vendor + ': ' + s.description : '';
  }

  // drawGutter numbers the editor's lines and marks those with problems.
  function drawGutter(problems) {
    const bad = new Map();
    for (const p of problems) bad.set(p.line, (bad.has(p.line) ? bad.get(p.line) + '\n' : '') + p.message);
    const lines = $('play-script').value.split('\n').length;
    const g = clear($('play-gutter'));
    for (let i = 1; i <= lines; i++) {
      g.append(h('div', { class: bad.has(i) ? 'bad' : null, title: bad.get(i), dataset: { line: i } }, String(i)));
    }
    g.scrollTop = $('play-script').scrollTop;
  }

  // goTo puts the editor's caret at line:col.
  function goTo(line, col) {
    const ta = $('play-script');
    const lines = ta.value.split('\n');
    let pos = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) pos += lines[i].length + 1;
    pos += Math.max(0, (col || 1) - 1);
    ta.focus();
    ta.setSelectionRange(pos, pos);
    const lh = parseFloat(getComputedStyle(ta).lineHeight) || 16;
    ta.scrollTop = Math.max(0, (line - 3) * lh);
  }

  // problemsOf reads a 422's scenario problems, or file:line:col lines of
  // any other message.
  function problemsOf(err) {
    const ps = (err.details && err.details.problems) || [];
    if (ps.length) return ps.map((p) => ({ line: p.pos.line, col: p.pos.col, message: p.message }));
    const out = [];
    for (const l of String(err.message).split('\n')) {
      const m = /^script:(\d+):(\d+): (.*)$/.exec(l);
      if (m) out.push({ line: +m[1], col: +m[2], message: m[3] });
    }
    return out;
  }

  function parseVars(text) {
    const vars = {};
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      const i = line.indexOf('=');
      if (i <= 0) throw new Error('vars: "' + line + '" is not NAME=value');
      vars[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return vars;
  }

  async function play(ev) {
    ev.preventDefault();
    const errBox = $('play-error');
    errBox.hidden = true;
    clear($('play-errors'));
    drawGutter([]);
    const req = {};
    try {
      if (playMode() === 'yaml') req.script = $('play-script').value;
      else req.scenario = $('play-scenario').value;
      const seed = $('play-seed').value.trim();
      if (seed) req.seed = Number(seed);
      req.time_scale = Number($('play-time-scale').value || 0);
      const targets = $('play-targets').value.split('\n').map((s) => s.trim()).filter(Boolean);
      if (targets.length) req.targets = targets;
      const vars = parseVars($('play-vars').value);
      if (Object.keys(vars).length) req.vars = vars;
    } catch (e) {
      errBox.hidden = false;
      errBox.textContent = e.message;
      return;
    }
    $('play-submit').disabled = true;
    try {
      const res = await api('POST', '/__admin/runs', req);
      $('play-dialog').close();
      notify('Playing ' + res.scenario + ' (run ' + res.id + ', seed ' + res.seed + ').');
      state.runs.set(res.id, Object.assign({ id: res.id, started_at: new Date().toISOString(), deliveries: {}, events: 0, vendor: '' }, res, state.runs.get(res.id) || {}));
      selectRun(res.id);
    } catch (e) {
      errBox.hidden = false;
      errBox.textContent = e.message;
      const problems = playMode() === 'yaml' ? problemsOf(e) : [];
      drawGutter(problems);
      const ul = $('play-errors');
      for (const p of problems) {
        ul.append(h('li', null, h('button', { type: 'button', class: 'at', onclick: () => goTo(p.line, p.col) }, 'line ' + p.line + ':' + p.col), ' ', p.message));
      }
      if (problems.length) goTo(problems[0].line, problems[0].col);
    } finally {
      $('play-submit').disabled = false;
    }
  }

  async function editCopy() {
    try {
      const s = await api('GET', '/__admin/scenarios/' + encodeURIComponent($('play-scenario').value));
      $('play-script').value = s.source;
      $('play-mode-yaml').checked = true;
      showPlayMode();
    } catch (e) {
      fail(e);
    }
  }

  function openPlay() {
    const sel = $('play-scenario');
    if (sel.options.length !== state.scenarios.length) {
      clear(sel);
      for (const s of state.scenarios) sel.append(h('option', { value: s.name }, s.name));
      describeScenario();
    }
    $('play-error').hidden = true;
    $('play-dialog').showModal();
  }

  // --- start -------------------------------------------------------------

  function wire() {
    $('filters').addEventListener('submit', (ev) => ev.preventDefault());
    $('filters').addEventListener('input', (ev) => {
      if (ev.target.id === 'f-run') {
        state.selectedRun = ev.target.value;
        state.runDetail = null;
        reloadRunNow();
      }
      render();
    });
    $('token-dialog').addEventListener('cancel', (ev) => tokenWait && ev.preventDefault());
    $('btn-reset').addEventListener('click', reset);
    $('btn-emit').addEventListener('click', openEmit);
    $('btn-play').addEventListener('click', openPlay);
    $('btn-token').addEventListener('click', () => askToken(''));
    $('banner-close').addEventListener('click', () => ($('banner').hidden = true));
    $('emit-vendor').addEventListener('change', () => {
      fillEmitEvents();
      checkEmitSoon();
    });
    $('emit-event').addEventListener('change', () => {
      fillEmitVariants();
      checkEmitSoon();
    });
    $('emit-variant').addEventListener('change', checkEmitSoon);
    $('emit-seed').addEventListener('input', checkEmitSoon);
    $('emit-override').addEventListener('input', checkEmitSoon);
    $('emit-check-btn').addEventListener('click', checkEmit);
    $('emit-form').addEventListener('submit', sendEmit);
    $('emit-cancel').addEventListener('click', () => $('emit-dialog').close());
    $('play-form').addEventListener('submit', play);
    $('play-cancel').addEventListener('click', () => $('play-dialog').close());
    $('play-mode-builtin').addEventListener('change', showPlayMode);
    $('play-mode-yaml').addEventListener('change', showPlayMode);
    $('play-scenario').addEventListener('change', describeScenario);
    $('play-edit').addEventListener('click', editCopy);
    $('play-script').addEventListener('input', () => drawGutter([]));
    $('play-script').addEventListener('scroll', () => ($('play-gutter').scrollTop = $('play-script').scrollTop));
  }

  async function start() {
    wire();
    if (state.token) $('btn-token').hidden = false;
    try {
      const [events, scenarios] = await Promise.all([api('GET', '/__admin/events'), api('GET', '/__admin/scenarios')]);
      state.catalog = events;
      state.scenarios = scenarios;
      // What there is already, shown at once: the stream (or the first
      // poll) takes over from here.
      await snapshot();
    } catch (e) {
      fail(e);
    }
    document.body.dataset.ready = 'true';
    render();
    live();
  }

  start();
})();
