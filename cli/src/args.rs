//! The command line: every command, option and environment variable, and the `--help` texts.

use std::path::PathBuf;
use std::str::FromStr;

use clap::builder::FalseyValueParser;
use clap::{Args, Parser, Subcommand};

use crate::password::PasswordArgs;

/// The exit-code table of the main `--help` (a macro so that `concat!` can use it).
macro_rules! exit_codes {
    () => {
        "Exit codes:
  0  success
  1  any other error
  2  usage: bad arguments or input, a malformed link, a request the server refused (400/413)
  3  gone: no such secret, or it expired, was used up or was deleted (404)
  4  denied: wrong link key, password or delete token (401/403), or the secret did not decrypt
  5  the server cannot be reached, or it failed (5xx)
  6  not yet: the secret request has no answer yet (receive)"
    };
}

const MAIN_AFTER_HELP: &str = concat!(
    "\
Examples:
  printf '%s' 'db password: hunter2' | zkshare send --server https://share.example.com
  zkshare send --file id_ed25519 --password --expires 1d --views 2
  zkshare get - < link.txt > secret.txt         # the link from stdin, not the command line
  ZKSHARE_LINK='https://share.example.com/s/ID#KEY' zkshare get > secret.txt
  zkshare inspect - < link.txt
  zkshare delete 'https://share.example.com/s/ID' --token - < token.txt
  zkshare send --email bob@example.com --password < secret.txt   # mailed; needs a login
  zkshare list
  zkshare log ID
  zkshare request --name 'db password' > answer-link.txt   # ask someone for a secret
  printf '%s' 'hunter2' | zkshare answer 'https://share.example.com/r/ID#COMMITMENT'
  zkshare receive --key-file zkshare-request-ID.key > secret.txt

A link given as an argument is visible to other users of this machine (ps, /proc) and stays
in the shell history; '-' (stdin) or ZKSHARE_LINK keep it out of both.

The secret is encrypted on this machine (docs/PROTOCOL.md). The server stores only the
ciphertext envelope and a verifier; the link key after '#' never leaves the client.
Servers are reached over https://; plain http:// only on loopback or with --insecure-http.
Redirects are never followed. Text the server sends is printed with control and bidi
characters escaped (e.g. \\u{202e}).
Environment: ZKSHARE_SERVER, ZKSHARE_LINK, ZKSHARE_DELETE_TOKEN, ZKSHARE_LINK_KEY,
ZKSHARE_NO_PROMPT, ZKSHARE_INSECURE_HTTP, ZKSHARE_TOKEN, ZKSHARE_CLIENT_SECRET,
ZKSHARE_CONFIG_DIR.

",
    exit_codes!()
);

/// zkshare: share secrets end-to-end encrypted, through a server that cannot read them.
#[derive(Parser, Debug)]
#[command(name = "zkshare", version, after_help = MAIN_AFTER_HELP)]
pub struct Cli {
    /// Never ask for a password on the terminal unless --password is given; fail instead
    /// (for scripts).
    #[arg(long, global = true, env = "ZKSHARE_NO_PROMPT", value_parser = FalseyValueParser::new())]
    pub no_prompt: bool,

    /// Allow plain http:// to a host that is not loopback (127.0.0.0/8, ::1, localhost).
    /// Anyone on the network path then sees the verifier and delete token and can rewrite
    /// the server's answers; use only on a network you trust.
    #[arg(long, global = true, env = "ZKSHARE_INSECURE_HTTP", value_parser = FalseyValueParser::new())]
    pub insecure_http: bool,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Encrypt a secret from stdin (or --file), upload it, print its link.
    #[command(after_help = SEND_AFTER_HELP)]
    Send(SendArgs),
    /// Open a link: fetch, decrypt and print the secret (uses one view).
    #[command(after_help = GET_AFTER_HELP)]
    Get(GetArgs),
    /// Show a link's metadata (expiry, views left, protection) without using a view.
    #[command(after_help = INSPECT_AFTER_HELP)]
    Inspect(InspectArgs),
    /// Delete a secret before it is read, with the delete token `send` printed or as its
    /// logged-in creator.
    #[command(after_help = DELETE_AFTER_HELP)]
    Delete(DeleteArgs),
    /// List the secrets you created (logged in) that are still live, newest first.
    #[command(after_help = LIST_AFTER_HELP)]
    List(ListArgs),
    /// Show who tried to open one of your secrets, and when (logged in as its creator).
    #[command(after_help = LOG_AFTER_HELP)]
    Log(LogArgs),
    /// Offline: encrypt stdin into an envelope; print {envelope, verifier, linkKey, header}.
    #[command(after_help = SEAL_AFTER_HELP)]
    Seal(SealArgs),
    /// Offline: decrypt an envelope from stdin and print the plaintext.
    #[command(after_help = OPEN_AFTER_HELP)]
    Open(OpenArgs),
    /// Offline: derive the access verifier (the API's `password`) from a header and credentials.
    #[command(after_help = VERIFIER_AFTER_HELP)]
    Verifier(VerifierArgs),
    /// Check a protocol test-vectors file (tests/vectors/protocol-v1.json or requests-v1.json).
    #[command(after_help = VECTORS_AFTER_HELP)]
    Vectors(VectorsArgs),
    /// Ask someone for a secret: print a link they answer with it, encrypted to a key only
    /// you hold.
    #[command(after_help = REQUEST_AFTER_HELP)]
    Request(RequestArgs),
    /// Answer a secret request: encrypt a secret from stdin (or --file) to the requester's key
    /// and send it.
    #[command(after_help = ANSWER_AFTER_HELP)]
    Answer(AnswerArgs),
    /// Read the answer to your secret request with its requester link or key file, and print
    /// it.
    #[command(after_help = RECEIVE_AFTER_HELP)]
    Receive(ReceiveArgs),
    /// Log in to a server (account or machine identity); `send` then creates secrets as you.
    #[command(after_help = LOGIN_AFTER_HELP)]
    Login(LoginArgs),
    /// Log out of a server: the session ends and the saved token is removed.
    Logout(LogoutArgs),
}

const LOGIN_AFTER_HELP: &str = "\
A user logs in with an e-mail address and the account password (asked on the terminal, or
--password-file / --password-env); a machine identity (CI, scripts) with the client id and
client secret an organization admin created. The bearer token is saved in
$ZKSHARE_CONFIG_DIR, $XDG_CONFIG_HOME/zkshare or ~/.config/zkshare (logins.json, mode 0600),
one per server; the password and client secret are never saved. ZKSHARE_TOKEN, when set,
is used instead of a saved login.

Examples:
  zkshare login --server https://share.example.com --email alice@example.com
  ZKSHARE_CLIENT_SECRET=... zkshare login --server https://share.example.com --client-id ID
  printf '%s' \"$SECRET\" | zkshare login --client-id ID --client-secret -
  zkshare logout --server https://share.example.com

Exit codes: 0 ok, 1 other, 2 usage, 4 wrong credentials, 5 server unreachable.";

/// Options of `login`.
#[derive(Args, Debug)]
pub struct LoginArgs {
    /// The zkshare server.
    #[arg(
        long,
        value_name = "URL",
        env = "ZKSHARE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,

    /// The account's e-mail address (a user's login).
    #[arg(long, conflicts_with = "client_id")]
    pub email: Option<String>,

    #[command(flatten)]
    pub password: PasswordArgs,

    /// A machine identity's client id (Universal Auth).
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// The machine identity's client secret; '-' reads it from stdin. Prefer the
    /// environment variable: an argument is visible to other users of this machine.
    #[arg(
        long,
        value_name = "SECRET|-",
        env = "ZKSHARE_CLIENT_SECRET",
        hide_env_values = true,
        requires = "client_id"
    )]
    pub client_secret: Option<String>,
}

/// Options of `logout`.
#[derive(Args, Debug)]
pub struct LogoutArgs {
    /// The zkshare server.
    #[arg(
        long,
        value_name = "URL",
        env = "ZKSHARE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
}

/// How many times a secret may be viewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Views(pub Option<u32>);

impl FromStr for Views {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("unlimited") {
            return Ok(Views(None));
        }
        match s.parse::<u32>() {
            Ok(0) | Err(_) => Err(format!(
                "{s:?} is not a number of views: give a whole number of at least 1, or 'unlimited'"
            )),
            Ok(n) => Ok(Views(Some(n))),
        }
    }
}

const SEND_AFTER_HELP: &str = "\
Only the link goes to stdout; the delete token and notes go to stderr. After `zkshare login`
to the server, the secret is created as that user or machine identity (and by default only
members of its organization may open it); --anonymous sends without the login.

--email ADDRESS (repeatable, needs a login) has the server mail each address a link. That
link carries no key, so the secret is sealed with the password alone (mode `password`) and a
password option is required: give the recipients the password another way. Without
--external every address must belong to a member of your organization, who opens the link
logged in with that address; with --external anyone listed may, through their mailed link.

Examples:
  printf '%s' 's3cr3t' | zkshare send
  zkshare send --file ./api-token.txt --expires 1d --views 3 --name 'staging token'
  zkshare send --password-file ./pw.txt < secret.txt        # reader needs link + password
  zkshare send --no-key --password < secret.txt             # link without key, password only
  zkshare send --json < secret.txt | jq -r .deleteToken
  zkshare send --org < secret.txt                          # members of your organization only
  zkshare send --email bob@example.com --password < secret.txt
  zkshare send --email ext@partner.example --external --notify --password-file pw.txt < s.txt

Exit codes: 0 ok, 1 other, 2 usage or refused by the server, 5 server unreachable.";

const GET_AFTER_HELP: &str = "\
The link comes from the argument, from stdin when the argument is '-', or from the
environment variable ZKSHARE_LINK when there is no argument. stdin is read only for '-';
a password is asked for on the terminal (/dev/tty), never read from stdin.

Writes the secret to stdout exactly as it was sent (no newline added) and nothing else;
views left go to stderr. When stdout is a terminal, control characters in the secret other
than line breaks and tabs are shown escaped (e.g. \\u{1b}) so that the secret cannot drive the
terminal; redirect stdout to get the exact bytes. Nothing is consumed when the link has no
key or no password is available: the metadata is checked first. A link with a key is never
opened as a password-only secret: if the server says the secret needs no key, zkshare
refuses before asking for a password or using a view.

Examples:
  zkshare get - < link.txt > secret.txt
  ZKSHARE_LINK='https://share.example.com/s/ID#KEY' zkshare get > secret.txt
  zkshare get 'https://share.example.com/s/ID#KEY' > secret.txt   # visible in ps and history
  zkshare get 'https://share.example.com/s/ID%23KEY'          # '#' mangled by a mail scanner
  zkshare get --password 'https://share.example.com/s/ID#r=TOKEN'   # link from the mail
  ZKSHARE_PW=... zkshare get --password-env ZKSHARE_PW - < link.txt

A link mailed to a recipient outside the organization ends in #r=TOKEN: the token proves the
mailbox to the server and is no key; such a link opens with the password. A link mailed to a
member has no '#' part: log in first (`zkshare login`) with the address it was mailed to.
The token of a saved login is sent to the link's server when that is the server it was saved
for; ZKSHARE_TOKEN only when ZKSHARE_SERVER names the link's server.

Exit codes: 0 ok, 1 other (also: a key-less secret for a link with a key, a redirect),
2 bad link or no password, 3 gone, 4 wrong key or password, 5 server unreachable.";

const INSPECT_AFTER_HELP: &str = "\
The link comes from the argument, from stdin when it is '-', or from ZKSHARE_LINK.
Text from the server is shown with control and bidi characters escaped.

Examples:
  zkshare inspect - < link.txt
  zkshare inspect --json 'https://share.example.com/s/ID'

Exit codes: 0 ok, 1 other, 2 bad link, 3 gone, 5 server unreachable.";

const DELETE_AFTER_HELP: &str = "\
The token comes from --token, from stdin with --token -, or from ZKSHARE_DELETE_TOKEN; the
link from the argument, from stdin when it is '-', or from ZKSHARE_LINK. Only one of the two
can come from stdin. Without a token, the secret is deleted as its creator, with the login
to the server (`zkshare login`); a bare id names a secret on --server.

Examples:
  zkshare delete 'https://share.example.com/s/ID' --token - < token.txt
  ZKSHARE_DELETE_TOKEN=TOKEN zkshare delete 'https://share.example.com/s/ID'
  zkshare delete 'https://share.example.com/s/ID' --token TOKEN   # visible in ps and history
  zkshare delete --server https://share.example.com ID            # as its logged-in creator

Exit codes: 0 deleted, 1 other, 2 bad link, 3 gone already, 4 wrong token, 5 server unreachable.";

const LIST_AFTER_HELP: &str = "\
Shows the live secrets you created in your current organization, newest first: id, name,
views left, expiry, who may open them, and how many addresses they were mailed to; the last
line gives the total. Needs a login to the server (`zkshare login`, or ZKSHARE_TOKEN).

Examples:
  zkshare list --server https://share.example.com
  zkshare list --offset 25 --limit 25
  zkshare list --json | jq -r '.secrets[].id'

Exit codes: 0 ok, 1 other, 2 usage or no login, 4 denied, 5 server unreachable.";

const LOG_AFTER_HELP: &str = "\
One line per attempt to open the secret, oldest first: the time, what happened (viewed, or
refused and why), who tried, and 'burned' when the attempt destroyed the secret (its last view,
or too many wrong passwords). Only the secret's creator may read it (`zkshare login`).

Examples:
  zkshare log --server https://share.example.com ID
  zkshare log 'https://share.example.com/s/ID'
  zkshare log --json ID

Exit codes: 0 ok, 1 other, 2 usage or no login, 3 gone, 4 not yours, 5 server unreachable.";

const SEAL_AFTER_HELP: &str = "\
For people writing their own client: no network. The plaintext is read from stdin exactly.
Send `envelope` as the API's secretValue and `verifier` as its password; the link is
sharedSecretLink + '#' + linkKey (no '#' part in --no-key mode).

Examples:
  printf '%s' 's3cr3t' | zkshare seal
  printf '%s' 's3cr3t' | zkshare seal --password-env PW            # mode key+password
  printf '%s' 's3cr3t' | zkshare seal --no-key --password-env PW   # mode password

Exit codes: 0 ok, 1 other, 2 usage.";

const OPEN_AFTER_HELP: &str = "\
For people writing their own client: no network. stdin holds the envelope, or a JSON object
with `secretValue` (the access answer) or `envelope` (the output of `zkshare seal`).

Examples:
  zkshare open --key KEY < envelope.txt
  curl -s -X POST -H 'Content-Type: application/json' -d '{\"password\":\"zkv1....\"}' \\
    https://share.example.com/api/v1/shared-secrets/ID/access | zkshare open --key KEY

Exit codes: 0 ok, 1 other, 2 usage or missing key/password, 4 does not open.";

const VERIFIER_AFTER_HELP: &str = "\
The verifier proves to the server that you hold the link key (and password) without
revealing them; send it as `password` to POST /api/v1/shared-secrets/{id}/access.

Examples:
  zkshare verifier --header \"$(curl -s https://share.example.com/api/v1/shared-secrets/ID | jq -r .envelopeHeader)\" --key KEY

Exit codes: 0 ok, 1 other, 2 usage or bad header, 4 credentials do not fit.";

const VECTORS_AFTER_HELP: &str = "\
Prints 'N passed, M failed' and each failure on stderr; exits 1 if any failed. The file's
\"protocol\" says what it holds: \"zkshare v1\" (shares) or \"zkshare v1 requests\" (secret requests).

Examples:
  zkshare vectors tests/vectors/protocol-v1.json
  zkshare vectors tests/vectors/requests-v1.json";

const REQUEST_AFTER_HELP: &str = "\
A new key pair is made on this machine; the server gets only the public key, and later only
the answer encrypted to it. Only the answer link goes to stdout: send it to the person who has
the secret (`zkshare answer`, or the web page). Its part after '#' commits to your public key,
so that the one answering refuses a key the server swapped in.

The requester link https://HOST/r/ID/open#KEY holds your private key: whoever has it reads
the answer, and without it nobody can. It is written to a new file of mode 0600, by default
zkshare-request-ID.key in the current directory (--key-file PATH chooses another; an existing
file is never overwritten, and --key-file is refused before anything is created). Where it
went is said on stderr. --print-requester-link writes no file and prints the requester link on
stderr instead, under a label, so that stdout still holds the answer link alone.

After `zkshare login` to the server, the request is made as that user or machine identity and
its answerer sees who asks; --org-only lets only members of your organization answer.

Examples:
  zkshare request --server https://share.example.com --name 'staging db password'
  zkshare request --expires 1d --key-file ~/requests/db.key > answer-link.txt
  zkshare request --org-only --keep        # members only; the answer can be read again
  zkshare request --print-requester-link 2> requester-link.txt

Exit codes: 0 ok, 1 other (also: the key file cannot be written), 2 usage or refused by the
server, 5 server unreachable.";

const ANSWER_AFTER_HELP: &str = "\
The secret is read from stdin (or --file), at most 10,000 characters, and encrypted on this
machine to the requester's public key; the server stores only the encrypted answer, and
only the requester's link opens it. A request takes one answer.

Before anything is encrypted, the public key the server hands out is checked against the
answer link's part after '#': if they differ, the server (or someone between you and it)
may have put in a key of its own, and nothing is sent. Who asks, the request's name and its
expiry are shown on stderr. The link comes from the argument, or from stdin when it is '-'
and the secret comes from --file.
The token of a saved login is sent to the link's server when that is the server it was saved
for; ZKSHARE_TOKEN only when ZKSHARE_SERVER names the link's server.

Examples:
  printf '%s' 'hunter2' | zkshare answer 'https://share.example.com/r/ID#COMMITMENT'
  zkshare answer --file ./id_ed25519 - < answer-link.txt

Exit codes: 0 answered, 1 other (also: the server's key does not match the link), 2 bad link
or input, 3 no such request, it expired, or it is answered already, 4 not allowed to answer
it, 5 server unreachable.";

const RECEIVE_AFTER_HELP: &str = "\
Give the requester link (https://HOST/r/ID/open#KEY), or the request's answer link or id
with the key file `zkshare request` wrote (--key-file; for an id or a link without a key,
zkshare-request-ID.key in the current directory is used when it exists). The link comes from
the argument, or from stdin when it is '-'.

Writes the secret to stdout exactly as it was sent (no newline added) and nothing else, as
`get` does (control characters shown escaped when stdout is a terminal). The server deletes
the answer once it is read, unless the request was made with --keep. Only the requester
token derived from the key (never the key) is sent; the token of a saved login goes only to
the server it was saved for.

Examples:
  zkshare receive --key-file zkshare-request-ID.key > secret.txt
  zkshare receive - < requester-link.txt > secret.txt
  zkshare receive 'https://share.example.com/r/ID' --key-file db.key
  while zkshare receive --key-file db.key > secret.txt; [ $? -eq 6 ]; do sleep 60; done

Exit codes: 0 ok, 1 other, 2 bad link or key file, 3 no such request, it expired, or its
answer was read already, 4 the key is not this request's or the answer does not open,
5 server unreachable, 6 not answered yet.";

/// Options of `send`.
#[derive(Args, Debug)]
pub struct SendArgs {
    /// Read the secret from this file instead of stdin.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub password: PasswordArgs,

    /// Make a password-only link without a key (mode `password`), e.g. for e-mail; needs a
    /// password option.
    #[arg(long)]
    pub no_key: bool,

    /// Lifetime: an integer and s, m, h, d or w; 5m to 30d.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub expires: String,

    /// How many times the secret may be viewed, or 'unlimited'.
    #[arg(long, value_name = "N|unlimited", default_value = "1")]
    pub views: Views,

    /// A label shown in the metadata (at most 50 characters; not encrypted).
    #[arg(long)]
    pub name: Option<String>,

    /// The zkshare server.
    #[arg(
        long,
        value_name = "URL",
        env = "ZKSHARE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,

    /// Print {link, id, expiresAt, expiresAfterViews, deleteToken, statusLink} as JSON instead
    /// (with --email also authorizedEmails and allowExternalEmails).
    #[arg(long)]
    pub json: bool,

    /// Send anonymously even when logged in to the server (see `zkshare login`).
    #[arg(long, conflicts_with_all = ["org", "emails", "notify"])]
    pub anonymous: bool,

    /// Only signed-in members of your organization may open it (needs a login).
    #[arg(long, conflicts_with = "external")]
    pub org: bool,

    /// Have the server mail this address a link without a key (repeatable; needs a login and
    /// a password option; seals in mode `password`).
    #[arg(long = "email", value_name = "ADDRESS")]
    pub emails: Vec<String>,

    /// Allow --email addresses outside your organization; each gets its own link.
    #[arg(long, requires = "emails")]
    pub external: bool,

    /// Mail me when the secret is viewed (needs a user login).
    #[arg(long)]
    pub notify: bool,
}

/// Where a command's link comes from: the argument, stdin (`-`) or `ZKSHARE_LINK`.
#[derive(Args, Debug)]
pub struct LinkArg {
    /// The link, https://HOST/s/ID#KEY; '-' reads it from stdin; without it, ZKSHARE_LINK.
    #[arg(value_name = "LINK", env = "ZKSHARE_LINK", hide_env_values = true)]
    pub value: Option<String>,
}

/// Options of `get`.
#[derive(Args, Debug)]
pub struct GetArgs {
    #[command(flatten)]
    pub link: LinkArg,

    #[command(flatten)]
    pub password: PasswordArgs,
}

/// Options of `inspect`.
#[derive(Args, Debug)]
pub struct InspectArgs {
    #[command(flatten)]
    pub link: LinkArg,

    /// Print the metadata as JSON (the server's answer plus `mode`).
    #[arg(long)]
    pub json: bool,
}

/// Which secret a creator's command is about: a link, or an id on `--server`.
#[derive(Args, Debug)]
pub struct SecretArg {
    /// The secret's link, or its id (on --server); '-' reads it from stdin; without it,
    /// ZKSHARE_LINK.
    // Ids are random base64url and may start with '-'.
    #[arg(
        value_name = "LINK|ID",
        env = "ZKSHARE_LINK",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub value: Option<String>,

    /// The zkshare server of a bare id.
    #[arg(
        long,
        value_name = "URL",
        env = "ZKSHARE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
}

/// Options of `delete`.
#[derive(Args, Debug)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub link: SecretArg,

    /// The delete token that `send` printed; '-' reads it from stdin. Without it, the
    /// secret is deleted as its logged-in creator.
    // Tokens are random base64url and may start with '-'.
    #[arg(
        long,
        env = "ZKSHARE_DELETE_TOKEN",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub token: Option<String>,

    /// Print the deleted secret's metadata as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// The zkshare server.
    #[arg(
        long,
        value_name = "URL",
        env = "ZKSHARE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,

    /// How many of the newest secrets to skip.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub offset: u64,

    /// How many secrets to show (1 to 100).
    #[arg(long, value_name = "N", default_value_t = 25,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub limit: u64,

    /// Print the server's answer ({secrets, totalCount}) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `log`.
#[derive(Args, Debug)]
pub struct LogArgs {
    #[command(flatten)]
    pub secret: SecretArg,

    /// Print the server's answer ({id, events}) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Options of `seal`.
#[derive(Args, Debug)]
pub struct SealArgs {
    #[command(flatten)]
    pub password: PasswordArgs,

    /// Password only, no link key (mode `password`); needs a password option.
    #[arg(long)]
    pub no_key: bool,
}

/// The link key option shared by the offline commands.
#[derive(Args, Debug)]
pub struct KeyArg {
    /// The link key (K64, the part of the link after '#'); not needed in mode `password`.
    // Keys are random base64url and may start with '-'.
    #[arg(
        long = "key",
        value_name = "KEY",
        env = "ZKSHARE_LINK_KEY",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub value: Option<String>,
}

/// Options of `open`.
#[derive(Args, Debug)]
pub struct OpenArgs {
    #[command(flatten)]
    pub key: KeyArg,

    #[command(flatten)]
    pub password: PasswordArgs,
}

/// Options of `verifier`.
#[derive(Args, Debug)]
pub struct VerifierArgs {
    /// The envelope header (`envelopeHeader` from GET /api/v1/shared-secrets/{id}).
    #[arg(long, allow_hyphen_values = true)]
    pub header: String,

    #[command(flatten)]
    pub key: KeyArg,

    #[command(flatten)]
    pub password: PasswordArgs,
}

/// Options of `request`.
#[derive(Args, Debug)]
pub struct RequestArgs {
    /// A label shown to whoever answers (not encrypted).
    #[arg(long)]
    pub name: Option<String>,

    /// Lifetime: an integer and s, m, h, d or w; 5m to 30d.
    #[arg(long, value_name = "DURATION", default_value = "1h")]
    pub expires: String,

    /// Only signed-in members of your organization may answer (needs a login).
    #[arg(long)]
    pub org_only: bool,

    /// Keep the answer on the server after it is read, until the request expires (it is
    /// deleted at the first reading otherwise).
    #[arg(long)]
    pub keep: bool,

    /// Write the requester link (your private key) to this new file, mode 0600; default
    /// zkshare-request-ID.key in the current directory. An existing file is never overwritten.
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,

    /// Write no key file: print the requester link on stderr instead (it is shown once).
    #[arg(long, conflicts_with = "key_file")]
    pub print_requester_link: bool,

    /// The zkshare server.
    #[arg(
        long,
        value_name = "URL",
        env = "ZKSHARE_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    pub server: String,
}

/// Options of `answer`.
#[derive(Args, Debug)]
pub struct AnswerArgs {
    /// The answer link, https://HOST/r/ID#COMMITMENT; '-' reads it from stdin (with --file).
    #[arg(value_name = "LINK")]
    pub link: String,

    /// Read the secret from this file instead of stdin.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
}

/// Options of `receive`.
#[derive(Args, Debug)]
pub struct ReceiveArgs {
    /// The requester link https://HOST/r/ID/open#KEY, or the answer link or id with
    /// --key-file; '-' reads it from stdin. Without it, --key-file alone.
    // Ids are random base64url and may start with '-'.
    #[arg(value_name = "LINK|ID", allow_hyphen_values = true)]
    pub link: Option<String>,

    /// The key file `zkshare request` wrote (it holds the requester link).
    #[arg(long, value_name = "PATH")]
    pub key_file: Option<PathBuf>,
}

/// Options of `vectors`.
#[derive(Args, Debug)]
pub struct VectorsArgs {
    /// The vectors file.
    pub file: PathBuf,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser as _};

    use super::*;

    #[test]
    fn command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_documents_every_exit_code() {
        let help = Cli::command().render_help().to_string();
        for code in 0..=6 {
            assert!(
                help.contains(&format!("\n  {code}  ")),
                "exit code {code} in --help"
            );
        }
    }

    #[test]
    fn send_by_email_options() {
        let parse = |extra: &[&str]| {
            let mut argv = vec!["zkshare", "send"];
            argv.extend_from_slice(extra);
            Cli::try_parse_from(argv)
        };
        let cli = parse(&["--email", "a@x.test", "--email", "b@x.test", "--external"])
            .expect("repeatable --email");
        let Command::Send(args) = cli.command else {
            panic!("send")
        };
        assert_eq!(args.emails, ["a@x.test", "b@x.test"]);
        assert!(args.external);
        assert!(parse(&["--external"]).is_err(), "--external needs --email");
        assert!(parse(&["--org", "--external", "--email", "a@x.test"]).is_err());
        assert!(parse(&["--anonymous", "--email", "a@x.test"]).is_err());
        assert!(parse(&["--anonymous", "--org"]).is_err());
    }

    #[test]
    fn list_limits() {
        assert!(Cli::try_parse_from(["zkshare", "list", "--limit", "100"]).is_ok());
        assert!(Cli::try_parse_from(["zkshare", "list", "--limit", "0"]).is_err());
        assert!(Cli::try_parse_from(["zkshare", "list", "--limit", "101"]).is_err());
    }

    #[test]
    fn views() {
        assert_eq!("1".parse::<Views>(), Ok(Views(Some(1))));
        assert_eq!("unlimited".parse::<Views>(), Ok(Views(None)));
        assert_eq!("Unlimited".parse::<Views>(), Ok(Views(None)));
        for bad in ["0", "-1", "", "1.5", "many", "4294967296"] {
            assert!(bad.parse::<Views>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_options_exclude_each_other() {
        let r = Cli::try_parse_from(["zkshare", "send", "--password", "--password-env", "X"]);
        assert!(r.is_err());
    }

    #[test]
    fn random_values_that_start_with_a_hyphen_are_values_not_flags() {
        let cli = Cli::try_parse_from(["zkshare", "delete", "http://h/s/ID", "--token", "-Exyz_1"])
            .expect("a token starting with '-' parses");
        let Command::Delete(args) = cli.command else {
            panic!("delete")
        };
        assert_eq!(args.token.as_deref(), Some("-Exyz_1"));
        assert_eq!(args.link.value.as_deref(), Some("http://h/s/ID"));
        let cli = Cli::try_parse_from(["zkshare", "get", "-"]).expect("'-' is the stdin link");
        let Command::Get(args) = cli.command else {
            panic!("get")
        };
        assert_eq!(args.link.value.as_deref(), Some("-"));
        let cli = Cli::try_parse_from(["zkshare", "open", "--key", "-abc"]).expect("key with '-'");
        let Command::Open(args) = cli.command else {
            panic!("open")
        };
        assert_eq!(args.key.value.as_deref(), Some("-abc"));
        let cli = Cli::try_parse_from(["zkshare", "verifier", "--header", "AQ", "--key", "-k"])
            .expect("verifier key with '-'");
        let Command::Verifier(args) = cli.command else {
            panic!("verifier")
        };
        assert_eq!(args.key.value.as_deref(), Some("-k"));
    }

    #[test]
    fn ids_that_start_with_a_hyphen_are_ids_and_flags_stay_flags() {
        // One id in 64 starts with '-', one in 4096 with '--'.
        let id = "-fKq3x0ZtPZ1wN8y2Bv9_A";
        let cli = Cli::try_parse_from(["zkshare", "delete", id, "--server", "http://h"])
            .expect("delete of an id starting with '-'");
        let Command::Delete(args) = cli.command else {
            panic!("delete")
        };
        assert_eq!(args.link.value.as_deref(), Some(id));
        assert_eq!(args.link.server, "http://h");
        let cli = Cli::try_parse_from(["zkshare", "log", "--json", id]).expect("log of an id");
        let Command::Log(args) = cli.command else {
            panic!("log")
        };
        assert_eq!(args.secret.value.as_deref(), Some(id));
        assert!(args.json);
        let long = "--json3x0ZtPZ1wN8y2Bv9A";
        let cli = Cli::try_parse_from(["zkshare", "log", long, "--json"]).expect("'--' id");
        let Command::Log(args) = cli.command else {
            panic!("log")
        };
        assert_eq!(args.secret.value.as_deref(), Some(long));
        assert!(args.json);
        for argv in [
            ["zkshare", "receive", id, "--key-file", "k.key"],
            ["zkshare", "receive", "--key-file", "k.key", id],
        ] {
            let cli = Cli::try_parse_from(argv).expect("receive of an id starting with '-'");
            let Command::Receive(args) = cli.command else {
                panic!("receive")
            };
            assert_eq!(args.link.as_deref(), Some(id), "{argv:?}");
            assert_eq!(
                args.key_file.as_deref(),
                Some(std::path::Path::new("k.key")),
                "{argv:?}"
            );
        }
        let cli = Cli::try_parse_from(["zkshare", "receive", "--key-file", "k.key"])
            .expect("receive with the key file alone");
        let Command::Receive(args) = cli.command else {
            panic!("receive")
        };
        assert_eq!(args.link, None);
        assert!(
            Cli::try_parse_from(["zkshare", "receive", "--help"]).is_err(),
            "help is help"
        );
    }
}
