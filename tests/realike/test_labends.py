"""What runs everywhere (no root): the lab's two vocabularies as strongSwan configuration, and charon's lines read back
as RouterOS /log rows."""

import pytest

from emulator import negotiation
from emulator.cloud import parse_cloud
from emulator.strongswan import events, labends, render

CLOUD = {'name': 'vpc', 'public_address': '198.51.100.71', 'vpc_subnets': ['10.71.0.0/16'],
         'connections': [{'customer_gateway': '203.0.113.71', 'psk': 'cloud-side-secret',
                          'ike': {'version': 'IKEV1', 'exchange_mode': 'AGGRESSIVE', 'encryption': 'AES-CBC-128', 'integrity': 'SHA',
                                  'dh_group': 'GROUP19', 'local_identity': {'type': 'FQDN', 'value': 'gw.vpc.example'}},
                          'ipsec': {'encryption': 'AES256GCM128', 'integrity': 'SHA-256', 'pfs': 'NULL', 'lifetime': 1800},
                          'spd': [{'local': '10.71.0.0/16', 'remote': ['192.168.71.0/24', '192.168.72.0/24']}]}]}


def _router(**menus):
    base = {'peers': ({'name': 'to vpc', 'address': '198.51.100.71/32', 'exchange-mode': 'ike2', 'profile': 'p'},),
            'profiles': ({'name': 'p', 'enc-algorithm': 'aes-256,aes-128', 'hash-algorithm': 'sha256', 'dh-group': 'modp2048'},),
            'identities': ({'peer': 'to vpc', 'secret': 'router-side-secret', 'my-id': 'fqdn:edge.example', 'remote-id': 'ignore'},),
            'proposals': ({'name': 'q', 'enc-algorithms': 'aes-256-gcm,aes-128-cbc', 'auth-algorithms': 'sha256,sha1', 'pfs-group': 'none',
                           'lifetime': '45m'},),
            'policies': ({'.id': '*A', 'peer': 'to vpc', 'src-address': '192.168.71.0/24', 'dst-address': '10.71.0.0/16', 'tunnel': 'yes',
                          'proposal': 'q'},)}
    base.update(menus)
    return negotiation.RouterConfig(name='edge', version='7.16.2', wan_address='203.0.113.71/24', **base)


def test_a_cloud_connection_in_tencent_words_becomes_one_child_per_spd_mapping():
    cloud = parse_cloud(CLOUD)
    end = labends.cloud_end(cloud, cloud.connections[0])
    conn = render.connection_tree(end)[end.name]
    assert (conn['version'], conn['aggressive'], conn['proposals']) == ('1', 'yes', ['aes128-sha1-ecp256'])
    assert (conn['local']['id'], conn['remote']['id']) == ('@gw.vpc.example', '203.0.113.71')
    assert {name: (c['local_ts'], c['remote_ts'], c['esp_proposals'], c['life_time']) for name, c in conn['children'].items()} == {
        'vpc-203-0-113-71-0': (['10.71.0.0/16'], ['192.168.71.0/24'], ['aes256gcm16'], '1800s'),
        'vpc-203-0-113-71-1': (['10.71.0.0/16'], ['192.168.72.0/24'], ['aes256gcm16'], '1800s')}


def test_a_router_peer_offers_every_combination_of_its_profile_and_proposal():
    end, owners = labends.router_end(_router(), 'to vpc')
    conn = render.connection_tree(end)['to-vpc']
    assert conn['proposals'] == ['aes256-sha256-modp2048', 'aes128-sha256-modp2048']
    assert (conn['local']['id'], conn['remote']['id']) == ('@edge.example', '%any')
    child = conn['children']['to-vpc-0']
    assert child['esp_proposals'] == ['aes256gcm16', 'aes128-sha256', 'aes128-sha1']      # pfs-group=none: no DH group
    assert (child['local_ts'], child['remote_ts'], child['life_time']) == (['192.168.71.0/24'], ['10.71.0.0/16'], '2700s')
    assert owners == {'to-vpc-0': '*A'}


@pytest.mark.parametrize('menus, reason', [
    ({'peers': ({'name': 'to vpc', 'address': '198.51.100.71/32', 'passive': 'yes'},)}, 'passive'),
    ({'identities': ()}, 'no-identity'),
    ({'peers': ({'name': 'to vpc', 'address': '198.51.100.0/24'},)}, 'no-single-address'),
])
def test_the_same_peers_as_in_the_model_do_not_initiate(menus, reason):
    assert labends.router_end(_router(**menus), 'to vpc') == (reason, None)


@pytest.mark.parametrize('menus, message', [
    ({'proposals': ({'name': 'q', 'enc-algorithms': 'des', 'pfs-group': 'none'},)},
     "router edge, peer to vpc: proposal enc-algorithms='des' has no strongSwan counterpart in the real-IKE lab; supported: aes-128-cbc"),
    ({'identities': ({'peer': 'to vpc', 'secret': 'router-side-secret', 'my-id': 'user-fqdn:a@b'},)},
     "router edge, peer to vpc: identity my-id='user-fqdn:a@b' is not supported by the real-IKE lab; supported: auto, ignore"),
    ({'policies': ({'peer': 'to vpc', 'src-address': '192.168.71.0/24', 'dst-address': '10.71.0.0/16', 'protocol': 'tcp'},)},
     'protocol=tcp src-port=any dst-port=any is not supported by the real-IKE lab; supported: protocol=all, any ports'),
])
def test_what_strongswan_cannot_take_is_named_without_the_secret(menus, message):
    with pytest.raises(labends.Untranslatable) as err:
        labends.router_end(_router(**menus), 'to vpc')
    assert message in str(err.value)
    assert 'router-side-secret' not in str(err.value)


def test_charon_events_become_the_routeros_lines_of_the_model():
    end, _owners = labends.router_end(_router(), 'to vpc')
    sa = {'remote-port': '4500', 'initiator-spi': 'aaaaaaaaaaaaaaaa', 'responder-spi': 'bbbbbbbbbbbbbbbb', 'initiator': 'yes'}
    line = 'Dec  2 06:32:55 09[IKE] <to-vpc|1> received NO_PROPOSAL_CHOSEN notify, no CHILD_SA built'
    _epoch, _group, conn, message = events.parse(line)
    assert conn == 'to-vpc'
    assert events.router_rows(message, end, sa) == [('ipsec,error', '198.51.100.71 child SA negotiation failed: NO_PROPOSAL_CHOSEN')]
    assert events.router_rows('IKE_SA to-vpc[1] established between 203.0.113.71[edge.example]...198.51.100.71[gw]', end, sa) == [
        ('ipsec,info', 'new ike2 SA (I): 203.0.113.71[4500]-198.51.100.71[4500] spi:bbbbbbbbbbbbbbbb:aaaaaaaaaaaaaaaa')]
    # the other end initiated (vici lists no initiator flag): RouterOS says it answered
    answered = {k: v for k, v in sa.items() if k != 'initiator'}
    assert events.router_rows('IKE_SA to-vpc[1] established between 203.0.113.71[edge.example]...198.51.100.71[gw]', end, answered) == [
        ('ipsec,info', 'new ike2 SA (R): 203.0.113.71[4500]-198.51.100.71[4500] spi:bbbbbbbbbbbbbbbb:aaaaaaaaaaaaaaaa')]
    assert events.router_rows('received AUTHENTICATION_FAILED notify error', end, sa) == [('ipsec,error', 'got fatal error: AUTHENTICATION_FAILED')]
    assert events.router_rows('sending retransmit 1 of request message ID 0, seq 3', end, sa) == []


def test_a_passive_peer_is_an_end_that_answers_and_never_keeps_initiating():
    passive = _router(peers=({'name': 'to vpc', 'address': '198.51.100.71/32', 'exchange-mode': 'ike2', 'profile': 'p', 'passive': 'yes'},))
    end, owners = labends.router_end(passive, 'to vpc', responder=True)
    initiating, _owners = labends.router_end(_router(), 'to vpc')
    assert owners == {'to-vpc-0': '*A'}
    assert (end.keep_trying, initiating.keep_trying) == (False, True)
    assert 'keyingtries' not in render.connection_tree(end)['to-vpc']


def test_libipsec_drops_are_counted_as_the_statistics_counters_of_the_same_drop():
    # strongSwan 5.9's userspace ESP wording (src/libipsec/ipsec_processor.c, esp_packet.c), as charon logs it
    lines = {'Dec  2 06:40:01 14[ESP] inbound ESP packet does not belong to an installed SA': 'in-no-states',
             'Dec  2 06:40:02 15[ESP] ESP decryption or ICV verification failed': 'in-state-protocol-errors',
             'Dec  2 06:40:03 16[ESP] adding SAD entry with SPI c1a2b3c4 and reqid {1}': None,
             'Dec  2 06:40:04 09[IKE] <to-vpc|1> ESP decryption or ICV verification failed': None}
    for line, counter in lines.items():
        _epoch, group, _conn, message = events.parse(line)
        assert events.esp_drop(group, message) == counter, line
