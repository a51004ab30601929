"""Command line: ``python -m emulator serve --lab FILE [...]``; see ``--help`` and emulator/README.md."""

import argparse
import asyncio
import json
import logging
import os
import signal
import sys

from emulator.clock import Clock, ManualClock
from emulator.lab import IKE_MODES, LabError, load_lab
from emulator.reallab import RealIkeUnavailable
from emulator.server import Fleet

DESCRIPTION = """Serve a RouterOS lab: every router of the lab file speaks the RouterOS API on 127.0.0.1
(its api_port, plus api_ssl_port with TLS when given), all from this one process, and an HTTP JSON
control API listens on 127.0.0.1:--control-port. Once every port listens, one line is printed:

  ready control=http://127.0.0.1:PORT ca=PATH|- routers=N cloud_api=http://127.0.0.1:PORT|-

(cloud_api: the Tencent-compatible VPC API of the clouds that have an `api:` key, see
emulator/tencent_api; `-` when none has), followed by one line per router: `router NAME version=V api=PORT api-ssl=PORT|-`.
SIGTERM or SIGINT stops the lab; with --state the routers' state is saved to that file first
(and loaded from it at start when it exists)."""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m emulator', description='RouterOS lab emulator.')
    commands = parser.add_subparsers(dest='command', required=True)
    serve = commands.add_parser('serve', help='serve a lab file', description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument('--lab', required=True, metavar='FILE', help='lab file (YAML), e.g. emulator/labs/demo.yml')
    serve.add_argument('--state', metavar='FILE', help='JSON state file: loaded at start if it exists, saved at exit')
    serve.add_argument('--control-port', type=int, default=0, metavar='N', help='control API port (default 0: a free port)')
    serve.add_argument('--cloud-api-port', type=int, default=0, metavar='N',
                       help="the Tencent VPC API port of the lab's clouds with an api: key (default 0: a free port)")
    serve.add_argument('--tls-dir', metavar='DIR', help='where to write ca.pem/server.pem/server.key (default: a temporary directory)')
    serve.add_argument('--negotiation-delay', type=float, metavar='S',
                       help='seconds an IPsec negotiation takes (overrides settings.negotiation_delay of the lab file)')
    serve.add_argument('--ike', choices=IKE_MODES, help='model: the modelled IKE (the default, no privileges); strongswan: '
                       'real strongSwan charons in network namespaces (root; see docs/lab.md); overrides the lab file\'s ike key')
    serve.add_argument('--manual-clock', action='store_true', help='time stands still until POST /clock/advance')
    serve.add_argument('--verbose', '-v', action='count', default=0, help='log to stderr (-v info, -vv debug)')
    return parser.parse_args(argv)


def save_state(fleet, path):
    tmp = f'{path}.tmp'
    with open(tmp, 'w', encoding='utf-8') as handle:
        json.dump(fleet.dump_state(), handle, indent=1, sort_keys=True, default=str)
    os.replace(tmp, path)


async def serve(args):
    spec = load_lab(args.lab)
    if args.ike:
        spec.ike = args.ike
    if args.negotiation_delay is not None:
        if args.negotiation_delay < 0:
            raise LabError(f'--negotiation-delay={args.negotiation_delay}: expected seconds >= 0')
        spec.settings['negotiation_delay'] = args.negotiation_delay  # shared by every RouterSpec.settings
    fleet = Fleet(spec, clock=ManualClock() if args.manual_clock else Clock(), tls_dir=args.tls_dir)
    if args.state and os.path.exists(args.state):
        try:
            with open(args.state, encoding='utf-8') as handle:
                fleet.load_state(json.load(handle))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise LabError(f'--state {args.state}: cannot load it ({type(exc).__name__}: {exc}); fix or delete the file') from None
    try:
        await fleet.start(control_port=args.control_port, cloud_api_port=args.cloud_api_port)
    except (OSError, RealIkeUnavailable):
        await fleet.stop()  # close what did open, remove the temporary TLS directory
        raise
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f'ready control=http://127.0.0.1:{fleet.control_port} ca={fleet.ca_path or "-"} routers={len(fleet.nodes)} '
          f'cloud_api={fleet.cloud_api_url or "-"}')
    for node in fleet.nodes.values():
        print(f'router {node.name} version={node.spec.version} api={node.port} api-ssl={node.tls_port or "-"}')
    sys.stdout.flush()
    try:
        await stop.wait()
    finally:
        if args.state:
            save_state(fleet, args.state)
        await fleet.stop()
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, stream=sys.stderr, format='%(asctime)s %(name)s %(levelname)s %(message)s')
    try:
        return asyncio.run(serve(args))
    except LabError as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 2
    except OSError as exc:
        print(f'error: cannot serve the lab: {exc}', file=sys.stderr)
        return 1
    except RealIkeUnavailable as exc:
        print(f'error: {exc}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
