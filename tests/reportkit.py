"""A sample fleet for the fleet report's tests, and a reader of the report page's rows.

The sample is what the role collects from a run where every kind of outcome happens once: a router
with two healthy tunnels, one whose tunnel failed on the pre-shared key, one partly up, one that never
answered, one a stopped batch never reached, one checked in check mode (``healthy`` absent), and a
removed tunnel. Tunnels are given the way the ``tunnels`` and ``ipsec_info`` modules return them, not
in the report's shape, so the tests exercise the mapping. Names and messages carry markup and a secret.
"""

from html.parser import HTMLParser

from ansible_collections.vpclink.routeros.plugins.module_utils.diagnose import CLASSES

PSK = 'Fleet-PSK-4f1c-secret'
PASSWORD = 'api-password-77aa'
HOSTILE = '<script>alert("x")</script>'


def sample_records():
    return [
        {'name': 'gz-branch-01', 'status': 'ok', 'message': '', 'tunnels': [
            {'name': 'to_tencent', 'state': 'present', 'healthy': True, 'changed': False,
             'phase1': {'state': 'established', 'uptime': '2h14m7s'}, 'sas': {'count': 2, 'algorithms': ['aes-cbc/sha256']},
             'ping': {'sent': 3, 'received': 3},
             'phase2': [{'src': '192.168.10.0/24', 'dst': '10.100.1.0/24', 'ph2_state': 'established'}]},
            # as ipsec_info returns it: peer, installed_sa rows, phase1.active_peer
            {'peer': 'to_aliyun', 'healthy': True, 'phase1': {'state': 'established', 'active_peer': {'uptime': '3d4h'}},
             'installed_sa': [{'state': 'mature', 'current-bytes': '1048576'}, {'state': 'mature', 'current-bytes': '524288'}]}]},
        {'name': 'sh-branch-02', 'status': 'failed',
         'message': f'router 127.0.0.1:8729: 1 tunnel(s) not healthy; identity secret={PSK}',
         'tunnels': [
             {'name': 'to_tencent', 'state': 'present', 'healthy': False, 'phase1': {'state': 'message-1-sent', 'uptime': None},
              'sas': {'count': 0, 'algorithms': []},
              'diagnosis': {'class': 'psk', 'title': CLASSES['psk']['title'], 'certain': True, 'fix': CLASSES['psk']['fix']}}]},
        {'name': 'cd-branch-04', 'status': 'ok', 'message': '', 'tunnels': [
            {'name': 'to_tencent', 'state': 'partial', 'phase1': {'state': 'established', 'uptime': '15m2s'}, 'sas': {'count': 2},
             'bytes': 5234123, 'ping': {'sent': 3, 'received': 0, 'error': f'ping used password {PASSWORD}'},
             'phase2': [{'src': '192.168.40.0/24', 'dst': '10.100.1.0/24', 'ph2_state': 'established'},
                        {'src': '192.168.41.0/24', 'dst': '10.100.1.0/24', 'ph2_state': 'no-phase2'}],
             'diagnosis': {'class': 'traffic_selectors', 'title': CLASSES['traffic_selectors']['title'], 'certain': False,
                           'fix': CLASSES['traffic_selectors']['fix']}}]},
        {'name': 'bj-branch-03', 'status': 'unreachable',
         'message': 'connection to 127.0.0.1:8730 refused: nothing listens on that port.',
         'tunnels': [{'name': 'to_tencent', 'healthy': True, 'phase1': {'uptime': '9d'}}]},   # an old reading: not this run's
        {'name': 'wh-branch-05', 'status': 'not_run', 'message': 'the batch stopped before this router', 'tunnels': []},
        {'name': 'xa-branch-06', 'status': 'ok', 'message': '', 'tunnels': [
            {'name': 'to_tencent', 'state': 'present', 'changed': True},                       # check mode: no verdict
            {'name': 'old_vpc', 'state': 'absent', 'changed': True}]},
        {'name': HOSTILE, 'status': 'failed', 'message': '"><img src=x onerror=alert(1)> & <b>bold</b>',
         'tunnels': [{'name': '<i>t</i>', 'state': 'down', 'cause': '<svg onload=alert(1)>', 'fix': 'a & b < c'}]},
    ]


# What the sample must give: tunnel name per router and state, worst first as the page sorts them by default.
EXPECTED_TUNNELS = {('gz-branch-01', 'to_tencent'): 'up', ('gz-branch-01', 'to_aliyun'): 'up',
                    ('sh-branch-02', 'to_tencent'): 'down', ('cd-branch-04', 'to_tencent'): 'partial',
                    ('bj-branch-03', 'to_tencent'): 'not_verified', ('xa-branch-06', 'to_tencent'): 'not_verified',
                    ('xa-branch-06', 'old_vpc'): 'absent', (HOSTILE, '<i>t</i>'): 'down'}
EXPECTED_ROUTERS = {'gz-branch-01': 'ok', 'sh-branch-02': 'failed', 'cd-branch-04': 'failed', 'bj-branch-03': 'unreachable',
                    'wh-branch-05': 'not_run', 'xa-branch-06': 'ok', HOSTILE: 'failed'}


class PageReader(HTMLParser):
    """The report page as data: each table's rows (``state``, ``hidden``, cell texts), the totals cards,
    the element texts by id, every start tag seen, and the ``body`` attributes."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tables, self.cards, self.by_id, self.tags, self.body = {}, {}, {}, [], {}
        self._table = self._row = self._cell = self._card = self._id = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == 'body':
            self.body = attrs
        elif tag == 'table':
            self._table = self.tables.setdefault(attrs.get('id'), [])
        elif tag == 'tr' and self._table is not None and 'data-state' in attrs:
            self._row = {'state': attrs['data-state'], 'hidden': 'hidden' in attrs, 'cells': []}
            self._table.append(self._row)
        elif tag == 'td' and self._row is not None:
            self._cell = []
        elif tag == 'span' and 'data-total' in attrs:
            self._card = attrs['data-total']
            self.cards[self._card] = ''
        if attrs.get('id') and tag in ('span', 'p'):
            self._id = attrs['id']
            self.by_id[self._id] = {'text': '', 'hidden': 'hidden' in attrs}

    def handle_endtag(self, tag):
        if tag == 'table':
            self._table = None
        elif tag == 'tr':
            self._row = None
        elif tag == 'td' and self._cell is not None:
            self._row['cells'].append(''.join(self._cell).strip())
            self._cell = None
        elif tag == 'span':
            self._card = None
        if tag in ('span', 'p'):
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._card is not None:
            self.cards[self._card] += data.strip()
        if self._id is not None:
            self.by_id[self._id]['text'] += data
