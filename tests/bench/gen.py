"""Benchmark helpers (Python 3 standard library only).

  gen.py frames OUTDIR
      write the frame templates of the load generator:
      gen3_data.bin (vector test_msg_inv_ind1), gen3plus_data.bin
      (vector data_ind_0x4210_02b0_ms2000_600)
  gen.py config OUT key=value...
      write a tsun-proxy.conf; keys: chroot ctl mqtt gen3 gen3plus
      ninv (GEN3 devices R17%013d, idx 1..ninv) nplus (GEN3PLUS devices,
      monitor_sn 1000000+idx) tsun_cloud solarman_cloud (port or 0)
"""

import binascii
import json
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def vec(fname, name):
    with open(os.path.join(TOP, "tests", "vectors", fname)) as f:
        for v in json.load(f):
            if v["name"] == name:
                return binascii.unhexlify(v["hex"])
    raise SystemExit("vector %s not found in %s" % (name, fname))


def frames(out):
    with open(os.path.join(out, "gen3_data.bin"), "wb") as f:
        f.write(vec("gen3.json", "test_msg_inv_ind1"))
    with open(os.path.join(out, "gen3plus_data.bin"), "wb") as f:
        f.write(vec("gen3plus.json", "data_ind_0x4210_02b0_ms2000_600"))


def config(out, kv):
    o = dict(a.split("=", 1) for a in kv)
    ninv, nplus = int(o.get("ninv", 0)), int(o.get("nplus", 0))
    tc, sc = int(o.get("tsun_cloud", 0)), int(o.get("solarman_cloud", 0))
    lines = [
        'user = "nobody"',
        'chroot = "%s"' % o["chroot"],
        'control_socket = "%s"' % o["ctl"],
        'max_connections = 20000',
        'mqtt { host = "127.0.0.1" port = %s }' % o["mqtt"],
        'tsun { listen_address = "127.0.0.1" listen_port = %s '
        'enabled = %s host = "127.0.0.1" port = %d }'
        % (o["gen3"], "true" if tc else "false", tc or 9),
        'solarman { listen_address = "127.0.0.1" listen_port = %s '
        'enabled = %s host = "127.0.0.1" port = %d }'
        % (o["gen3plus"], "true" if sc else "false", sc or 9),
        'inverters { allow_all = false }',
    ]
    for i in range(1, ninv + 1):
        lines.append('inverter "R17%013d" { node_id = "inv_%d" '
                     'modbus_polling = false }' % (i, i))
    for i in range(1, nplus + 1):
        lines.append('inverter "Y17%013d" { monitor_sn = %d '
                     'node_id = "plus_%d" modbus_polling = false }'
                     % (i, 1000000 + i, i))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(out, 0o644)


if __name__ == "__main__":
    if sys.argv[1] == "frames":
        frames(sys.argv[2])
    elif sys.argv[1] == "config":
        config(sys.argv[2], sys.argv[3:])
    else:
        raise SystemExit(__doc__)
