# Copyright (c) vpclink developers
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The fleet report as one self-contained HTML page: no external asset, opens from disk.

Every row is rendered here, in Python, with every value escaped (``html.escape``), so the page is
complete without JavaScript and no value is ever handed to a script. The inline script only works on
the rendered rows: it sorts them (worst state first on load; by any column when its header is
clicked), filters them (a text box and a state choice; the totals cards choose a state too), says how
many rows are shown, and keeps the choices in the address's ``#fragment``
(``#q=vpn&state=down&tunnels=uptime.desc``) so a filtered view can be bookmarked or sent.
"""

from __future__ import annotations

import html

from ansible_collections.vpclink.routeros.plugins.module_utils.report import (
    ATTENTION,
    ROUTER_STATUSES,
    SEVERITY,
    TUNNEL_STATES,
    label,
    uptime_ms,
)

_CSS = """
:root { --ink: #0f172a; --muted: #475569; --line: #e2e8f0; --head: #f1f5f9;
  --up: #15803d; --up-bg: #dcfce7; --partial: #a16207; --partial-bg: #fef3c7; --down: #b91c1c; --down-bg: #fee2e2;
  --unreachable: #7e22ce; --unreachable-bg: #f3e8ff; --nv: #1d4ed8; --nv-bg: #dbeafe; --grey: #475569; --grey-bg: #e2e8f0; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 40px; background: #f8fafc; color: var(--ink);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { margin: 0 0 2px; font-size: 22px; }
h2 { margin: 22px 0 8px; font-size: 16px; }
.meta { margin: 0 0 18px; color: var(--muted); }
.totals { display: flex; flex-wrap: wrap; gap: 12px 28px; }
.totals h2 { margin: 0 0 6px; font-size: 12px; letter-spacing: .06em; text-transform: uppercase; color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 8px; }
.card { min-width: 108px; padding: 8px 14px 9px; border: 1px solid var(--line); border-left: 5px solid currentColor;
  border-radius: 8px; background: #fff; font: inherit; text-align: left; cursor: pointer; }
.card .n { display: block; font-size: 26px; font-weight: 700; line-height: 1.15; }
.card .l { color: var(--ink); }
.card.zero { opacity: .5; }
.card[aria-pressed="true"] { box-shadow: 0 0 0 2px currentColor; }
.controls { display: flex; flex-wrap: wrap; align-items: center; gap: 10px 18px; margin: 20px 0 0; padding: 10px 12px;
  background: #fff; border: 1px solid var(--line); border-radius: 8px; }
.controls input, .controls select { font: inherit; padding: 5px 8px; border: 1px solid #cbd5e1; border-radius: 6px; }
.controls input { width: 22em; }
#shown { margin-left: auto; color: var(--muted); }
table { width: 100%; border-collapse: separate; border-spacing: 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
th { position: sticky; top: 0; background: var(--head); text-align: left; font-weight: 600; white-space: nowrap; }
th:first-child { border-top-left-radius: 8px; } th:last-child { border-top-right-radius: 8px; }
th button { all: unset; box-sizing: border-box; display: block; width: 100%; padding: 8px 10px; cursor: pointer; }
th.num button { text-align: right; }
th button:focus-visible { outline: 2px solid var(--nv); }
th[aria-sort="ascending"] button::after { content: " \\25B2"; font-size: 10px; color: var(--muted); }
th[aria-sort="descending"] button::after { content: " \\25BC"; font-size: 10px; color: var(--muted); }
td { padding: 7px 10px; border-top: 1px solid var(--line); vertical-align: top; }
tbody tr:hover td { background: #f8fafc; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.name { font-weight: 600; white-space: nowrap; }
td.text { max-width: 40em; color: #334155; }
td.msg { white-space: pre-line; }
td.fix { max-width: 34em; font-size: 13px; color: #334155; }
details summary { cursor: pointer; }
.none { color: #94a3b8; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.st-up, .st-ok, .st-absent { color: var(--up); } .badge.st-up, .badge.st-ok { background: var(--up-bg); }
.st-partial { color: var(--partial); } .badge.st-partial { background: var(--partial-bg); }
.st-down, .st-failed { color: var(--down); } .badge.st-down, .badge.st-failed { background: var(--down-bg); }
.st-unreachable { color: var(--unreachable); } .badge.st-unreachable { background: var(--unreachable-bg); }
.st-not_verified { color: var(--nv); } .badge.st-not_verified { background: var(--nv-bg); }
.st-not_run, .st-absent { color: var(--grey); } .badge.st-not_run, .badge.st-absent { background: var(--grey-bg); }
.ping-ok { color: var(--up); } .ping-part { color: var(--partial); } .ping-none { color: var(--down); font-weight: 600; }
.empty { margin: 6px 2px 0; color: var(--muted); }
"""

_SCRIPT = """
(function () {
  'use strict';
  var query = document.getElementById('q');
  var choice = document.getElementById('state');
  var shown = document.getElementById('shown');
  var tables = [].slice.call(document.querySelectorAll('table.rows'));
  var cards = [].slice.call(document.querySelectorAll('[data-filter]'));
  var chosenSort = {};

  function sortKey(row, index, numeric) {
    var cell = row.cells[index];
    var value = cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : cell.textContent.trim().toLowerCase();
    if (!numeric) { return value; }
    return value === '' ? null : Number(value);
  }

  function sortBy(table, name, direction) {
    var heads = [].slice.call(table.tHead.rows[0].cells);
    var index = heads.findIndex(function (th) { return th.getAttribute('data-key') === name; });
    if (index < 0) { return false; }
    var numeric = heads[index].getAttribute('data-type') === 'num';
    var sign = direction === 'desc' ? -1 : 1;
    var body = table.tBodies[0];
    var rows = [].slice.call(body.rows);
    rows.sort(function (a, b) {   // stable: equal keys keep the play's order
      var x = sortKey(a, index, numeric), y = sortKey(b, index, numeric);
      if (x === y) { return 0; }
      if (x === null) { return 1; }   // unknown values last, in both directions
      if (y === null) { return -1; }
      return (numeric ? x - y : x.localeCompare(y, undefined, {numeric: true})) * sign;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    heads.forEach(function (th) { th.removeAttribute('aria-sort'); });
    heads[index].setAttribute('aria-sort', direction === 'desc' ? 'descending' : 'ascending');
    return true;
  }

  function remember() {
    var parts = [];
    if (query.value) { parts.push('q=' + encodeURIComponent(query.value)); }
    if (choice.value) { parts.push('state=' + encodeURIComponent(choice.value)); }
    Object.keys(chosenSort).forEach(function (id) { parts.push(id + '=' + chosenSort[id]); });
    try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname); } catch (e) { /* some file: URLs */ }
  }

  function filter() {
    var text = query.value.trim().toLowerCase();
    var wanted = choice.value;
    var visible = 0, total = 0;
    tables.forEach(function (table) {
      var count = 0;
      [].forEach.call(table.tBodies[0].rows, function (row) {
        var state = row.getAttribute('data-state');
        var match = (!wanted || state === wanted || (wanted === 'attention' && row.getAttribute('data-attention') === 'yes'))
          && (!text || row.textContent.toLowerCase().indexOf(text) !== -1);
        row.hidden = !match;
        count += match ? 1 : 0;
        total += 1;
      });
      visible += count;
      document.getElementById(table.id + '-empty').hidden = count > 0;
    });
    shown.textContent = 'Showing ' + visible + ' of ' + total + ' rows';
    cards.forEach(function (card) { card.setAttribute('aria-pressed', String(card.getAttribute('data-filter') === wanted)); });
    remember();
  }

  tables.forEach(function (table) {
    sortBy(table, 'state', 'asc');   // worst first
    [].forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = th.querySelector('button');
      button.addEventListener('click', function () {
        var direction = th.getAttribute('aria-sort') === 'ascending' ? 'desc' : 'asc';
        sortBy(table, th.getAttribute('data-key'), direction);
        chosenSort[table.id] = th.getAttribute('data-key') + '.' + direction;
        remember();
      });
    });
  });
  cards.forEach(function (card) {
    card.addEventListener('click', function () {
      choice.value = choice.value === card.getAttribute('data-filter') ? '' : card.getAttribute('data-filter');
      filter();
    });
  });
  query.addEventListener('input', filter);
  choice.addEventListener('change', filter);

  var saved = new URLSearchParams(location.hash.replace(/^#/, ''));
  query.value = saved.get('q') || '';
  choice.value = saved.get('state') || '';
  if (choice.selectedIndex < 0) { choice.value = ''; }
  tables.forEach(function (table) {
    var parts = (saved.get(table.id) || '').split('.');
    if (parts.length === 2 && (parts[1] === 'asc' || parts[1] === 'desc') && sortBy(table, parts[0], parts[1])) {
      chosenSort[table.id] = parts.join('.');
    }
  });
  filter();
  document.body.setAttribute('data-ready', 'true');
}());
"""


def _e(value):
    return html.escape('' if value is None else str(value), quote=True)


def _cell(text, sort=None, cls=None, raw=False):
    """One ``<td>``; ``text`` is escaped unless ``raw`` (markup built here from escaped parts)."""
    attrs = ''
    if sort is not None:
        attrs += f' data-v="{_e(sort)}"'
    if cls:
        attrs += f' class="{cls}"'
    return f'<td{attrs}>{text if raw else _e(text)}</td>'


# Columns of counts and durations: right-aligned, header included.
_RIGHT_ALIGNED = ('up', 'uptime', 'sas', 'bytes', 'ping')
_FOLD_AT = 90   # characters of a fix shown before it folds
_NONE = '<span class="none">&mdash;</span>'


def _badge(state):
    return f'<span class="badge st-{state}">{_e(label(state))}</span>'


def _state_cell(state):
    return _cell(_badge(state), sort=SEVERITY.index(state), raw=True)


def _bytes_text(count):
    size = float(count)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if size < 1024 or unit == 'TiB':
            return f'{count} B' if unit == 'B' else f'{size:.1f} {unit}'
        size /= 1024
    return f'{count} B'


def _ping_cell(ping):
    if ping is None:
        return _cell(_NONE, sort='', cls='num', raw=True)
    sent, received = ping['sent'], ping['received']
    cls = 'ping-ok' if sent and received == sent else ('ping-part' if received else 'ping-none')
    text = f'{received}/{sent}'
    title = f' title="{_e(ping["error"])}"' if ping.get('error') else ''
    if ping.get('error'):
        text += ' (error)'
    return _cell(f'<span class="{cls}"{title}>{_e(text)}</span>', sort=(received / sent) if sent else 0, cls='num', raw=True)


def _long_text(text, cls):
    """Long texts (fixes run to several sentences) fold behind their first sentence, or their first words."""
    if not text:
        return _cell(_NONE, sort='', cls=cls, raw=True)
    if len(text) <= _FOLD_AT:
        return _cell(text, cls=cls)
    first, dot, _rest = text.partition('. ')
    if dot and len(first) < _FOLD_AT:
        head, tail = first + '.', text[len(first) + 2:]
    else:
        cut = text.rfind(' ', 0, _FOLD_AT)
        cut = cut if cut > 0 else _FOLD_AT
        head, tail = text[:cut] + ' \u2026', '\u2026 ' + text[cut:].lstrip()
    return _cell(f'<details><summary>{_e(head)}</summary>{_e(tail)}</details>', sort=text.lower(), cls=cls, raw=True)


def _table(table_id, heads, rows, empty_text):
    head = ''.join('<th data-key="{}"{}{} scope="col"><button type="button">{}</button></th>'.format(
        key, ' data-type="num"' if numeric else '', ' class="num"' if key in _RIGHT_ALIGNED else '', _e(title)) for key, title, numeric in heads)
    body = '\n'.join(rows)
    return (f'<table id="{table_id}" class="rows">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>\n'
            f'<p id="{table_id}-empty" class="empty" hidden>{_e(empty_text)}</p>')


def _row(state, cells):
    attention = 'yes' if state in ATTENTION else 'no'
    return f'<tr data-state="{state}" data-attention="{attention}">' + ''.join(cells) + '</tr>'


def _router_rows(report):
    rows = []
    for router in report['routers']:
        tunnels = [t for t in router['tunnels'] if t['state'] != 'absent']   # removed as asked: not expected up
        up = sum(1 for t in tunnels if t['state'] == 'up')
        rows.append(_row(router['status'], [
            _cell(router['name'], cls='name'),
            _state_cell(router['status']),
            _cell(f'{up} / {len(tunnels)}' if tunnels else _NONE, sort=up if tunnels else '', cls='num', raw=not tunnels),
            _cell(router['message'], cls='text msg') if router['message'] else _cell(_NONE, sort='', raw=True),
        ]))
    return rows


def _tunnel_rows(report):
    rows = []
    for router in report['routers']:
        for t in router['tunnels']:
            rows.append(_row(t['state'], [
                _cell(router['name'], cls='name'),
                _cell(t['name'], cls='name'),
                _state_cell(t['state']),
                _cell(t['uptime'], sort=uptime_ms(t['uptime']), cls='num') if t['uptime'] else _cell(_NONE, sort='', cls='num', raw=True),
                _cell(t['sas'], sort=t['sas'], cls='num') if t['sas'] is not None else _cell(_NONE, sort='', cls='num', raw=True),
                (_cell(f'<span title="{t["bytes"]} bytes">{_e(_bytes_text(t["bytes"]))}</span>', sort=t['bytes'], cls='num', raw=True)
                 if t['bytes'] is not None else _cell(_NONE, sort='', cls='num', raw=True)),
                _ping_cell(t['ping']),
                _cell(t['cause'], cls='text') if t['cause'] else _cell(_NONE, sort='', raw=True),
                _long_text(t['fix'], 'fix'),
            ]))
    return rows


def _cards(title, counts, states):
    cards = ''.join(f'<button type="button" class="card st-{s}{" zero" if not counts[s] else ""}" data-filter="{s}" aria-pressed="false">'
                    f'<span class="n" data-total="{s}">{counts[s]}</span><span class="l">{_e(label(s))}</span></button>'
                    for s in states)
    return f'<div><h2>{_e(title)} ({counts["total"]})</h2><div class="cards">{cards}</div></div>'


def _options():
    choices = [('', 'all'), ('attention', 'needs attention')]
    choices += [(s, f'tunnel {label(s)}') for s in TUNNEL_STATES] + [(s, f'router {label(s)}') for s in ROUTER_STATUSES]
    return ''.join(f'<option value="{v}">{_e(text)}</option>' for v, text in choices)


def _shown_time(iso):
    """``2026-12-02T07:00:00+00:00`` -> ``2026-12-02 07:00:00 UTC`` (the attribute keeps the ISO form)."""
    text = str(iso)
    return text[:-len('+00:00')].replace('T', ' ') + ' UTC' if text.endswith('+00:00') else text


def render_html(report):
    totals = report['totals']
    playbook = report['playbook']
    ran = f'Playbook <strong>{_e(playbook)}</strong> &middot; ' if playbook else ''
    title = f'Fleet report: {_e(playbook)}' if playbook else 'Fleet report'
    router_heads = [('name', 'Router', False), ('state', 'Status', True), ('up', 'Tunnels up', True), ('message', 'Message', False)]
    tunnel_heads = [('router', 'Router', False), ('name', 'Tunnel', False), ('state', 'State', True), ('uptime', 'Uptime', True),
                    ('sas', 'SAs', True), ('bytes', 'Bytes', True), ('ping', 'Ping', True), ('cause', 'Cause', False), ('fix', 'Fix', False)]
    return '\n'.join([
        '<!DOCTYPE html>',
        '<html lang="en">',
        '<head>',
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<title>{title}</title>',
        f'<style>{_CSS}</style>',
        '</head>',
        '<body>',
        '<header>',
        '<h1>Fleet report</h1>',
        f'<p class="meta">{ran}Generated <time datetime="{_e(report["generated"])}">'
        f'{_e(_shown_time(report["generated"]))}</time></p>',
        '</header>',
        '<section class="totals" aria-label="Totals">',
        _cards('Tunnels', totals['tunnels'], ('up', 'partial', 'down', 'not_verified', 'absent')),
        _cards('Routers', totals['routers'], ('ok', 'failed', 'unreachable', 'not_run')),
        '</section>',
        '<section class="controls" aria-label="Filter">',
        '<label>Filter <input id="q" type="search" placeholder="router, tunnel, cause, fix&hellip;" autocomplete="off"></label>',
        f'<label>State <select id="state">{_options()}</select></label>',
        '<span id="shown" aria-live="polite"></span>',
        '</section>',
        '<h2>Routers</h2>',
        _table('routers', router_heads, _router_rows(report), 'No router matches the filter.'),
        '<h2>Tunnels</h2>',
        _table('tunnels', tunnel_heads, _tunnel_rows(report), 'No tunnel matches the filter.'),
        '<noscript><p class="empty">Sorting and filtering need JavaScript; every row is shown above without it.</p></noscript>',
        f'<script>{_SCRIPT}</script>',
        '</body>',
        '</html>',
        '',
    ])
