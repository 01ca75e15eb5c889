# SMTP sink for the tests (testkit/src/smtp.rs): aiosmtpd on 127.0.0.1 writing each message it accepts to a directory as JSON.
"""Usage: smtp_sink.py --port P --out DIR [--mode plain|starttls|tls --cert C --key K] [--auth USER:PASSWORD]

Each accepted message becomes DIR/NNNN.json (written to a temporary name, then renamed):
{"mail_from": ..., "rcpt_tos": [...], "auth_login": ... or null, "tls": bool, "data": <raw message, latin-1>}.
Recipients whose address starts with "refuse-" are refused with 550.
Prints "ready" on stdout once it accepts connections.
"""
import argparse
import json
import os
import ssl
import sys
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out):
        self.out = out
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        # Lets tests see a relay's refusal: it quotes the address, as real relays do.
        if address.startswith("refuse-"):
            return "550 5.1.1 <%s>: Recipient address rejected" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "auth_login": login,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "data": envelope.original_content.decode("latin-1"),
        }
        final = os.path.join(self.out, "%04d.json" % self.count)
        with open(final + ".tmp", "w") as f:
            json.dump(record, f)
        os.rename(final + ".tmp", final)
        return "250 OK"


def main():
    # aiosmtpd warns about its own deprecated Session.login_data on every login.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--mode", choices=["plain", "starttls", "tls"], default="plain")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--auth")
    a = p.parse_args()

    kwargs = {}
    context = None
    if a.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
    if a.mode == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)
    if a.auth:
        user, password = a.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            # handled=False: aiosmtpd itself answers 235 or 535.
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        kwargs.update(authenticator=authenticator, auth_required=True)
    else:
        kwargs.update(auth_require_tls=False)
    controller = Controller(
        Sink(a.out),
        hostname="127.0.0.1",
        port=a.port,
        ssl_context=context if a.mode == "tls" else None,
        server_hostname="localhost",
        **kwargs,
    )
    controller.start()
    print("ready", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    sys.exit(main())
