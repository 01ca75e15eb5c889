//! Outgoing e-mail: a [`Mailer`] that sends a [`Message`] through the configured SMTP relay (TLS required) or prints it in development.
//!
//! Mails will carry one-time codes and keyless links, never a link key, a secret's password or
//! plaintext (docs/SECURITY.md). Bodies are never logged: a send logs the recipient's domain
//! and the outcome only.

pub mod relay;

use std::io::Write as _;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncTransport as _, Tokio1Executor};

use crate::config::Config;
pub use relay::{Relay, RelayError, Security};

/// One plain-text message to one recipient.
#[derive(Clone, Debug)]
pub struct Message {
    /// The recipient's address.
    pub to: String,
    /// The subject line.
    pub subject: String,
    /// The text body.
    pub text: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The recipient is not a valid address.
    #[error("the recipient is not a valid e-mail address")]
    InvalidRecipient,
    /// The relay could not be reached (DNS, refused connection, network).
    #[error("cannot reach the SMTP relay {relay}: {detail}")]
    Unreachable {
        /// host:port
        relay: String,
        /// What the connection reported.
        detail: String,
    },
    /// TLS could not be established: no STARTTLS offered, an untrusted or wrong certificate.
    #[error("TLS with the SMTP relay {relay} failed: {detail}")]
    Tls {
        /// host:port
        relay: String,
        /// What the TLS layer reported.
        detail: String,
    },
    /// The relay refused the login.
    #[error("the SMTP relay {relay} refused the login: {detail}")]
    Authentication {
        /// host:port
        relay: String,
        /// The relay's answer.
        detail: String,
    },
    /// The relay refused the message (sender, recipient or content).
    #[error("the SMTP relay {relay} refused the message: {detail}")]
    Refused {
        /// host:port
        relay: String,
        /// The relay's answer.
        detail: String,
    },
    /// No answer in time.
    #[error("the SMTP relay {relay} did not answer within {seconds} s")]
    Timeout {
        /// host:port
        relay: String,
        /// The configured timeout.
        seconds: u64,
    },
    /// Writing to the console failed (--mail-to-console).
    #[error("cannot print the message: {0}")]
    Console(#[from] std::io::Error),
}

/// Why the mail settings cannot be used; reported at start.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    /// A bad --smtp-url.
    #[error(transparent)]
    Relay(#[from] RelayError),
    /// --smtp-url without --mail-from.
    #[error("--mail-from (ZKSHARE_MAIL_FROM) is required with --smtp-url")]
    NoSender,
    /// A --mail-from that is not an address.
    #[error("--mail-from is not a valid sender, e.g. \"zkshare <noreply@share.example.com>\": {0}")]
    BadSender(String),
    /// The CA file cannot be read or holds no certificate.
    #[error("--smtp-ca-file {path}: {detail}")]
    CaFile {
        /// The file.
        path: String,
        /// What went wrong.
        detail: String,
    },
    /// The TLS settings were refused by the TLS library.
    #[error("cannot set up TLS for the SMTP relay: {0}")]
    Tls(String),
}

/// Sends mail, or prints it in development mode.
pub struct Mailer {
    from: Mailbox,
    route: Route,
}

enum Route {
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        relay: Relay,
        timeout: Duration,
    },
    Console,
}

/// The warning printed whenever --mail-to-console is on.
pub const CONSOLE_WARNING: &str = "WARNING: --mail-to-console is ON: outgoing mail is PRINTED \
     HERE, NOT SENT, one-time codes included. For development only; NEVER use it in production.";

impl Mailer {
    /// The mailer the configuration asks for: `None` when neither --smtp-url nor
    /// --mail-to-console is set (the server then sends no mail).
    pub fn from_config(config: &Config) -> Result<Option<Mailer>, MailConfigError> {
        if config.mail_to_console {
            let from = match &config.mail_from {
                Some(from) => parse_sender(from)?,
                None => parse_sender("zkshare <zkshare@localhost>")?,
            };
            return Ok(Some(Mailer {
                from,
                route: Route::Console,
            }));
        }
        let Some(url) = &config.smtp_url else {
            if config.smtp_insecure_localhost {
                return Err(RelayError::Syntax(
                    "--smtp-insecure-localhost needs --smtp-url".into(),
                )
                .into());
            }
            return Ok(None);
        };
        let relay = Relay::parse(url.expose(), config.smtp_insecure_localhost)?;
        let from = parse_sender(
            config
                .mail_from
                .as_deref()
                .ok_or(MailConfigError::NoSender)?,
        )?;
        let timeout = Duration::from_secs(config.smtp_timeout_secs.max(1));
        let mut builder =
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(relay.host.clone())
                .port(relay.port)
                .timeout(Some(timeout));
        if relay.security != Security::PlaintextLoopback {
            let mut tls = TlsParameters::builder(relay.host.clone());
            if let Some(path) = &config.smtp_ca_file {
                let ca_error = |detail: String| MailConfigError::CaFile {
                    path: path.display().to_string(),
                    detail,
                };
                let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| ca_error(format!("not a PEM certificate ({e})")))?;
                tls = tls.add_root_certificate(cert);
            }
            let tls = tls
                .build()
                .map_err(|e| MailConfigError::Tls(e.to_string()))?;
            builder = builder.tls(match relay.security {
                Security::ImplicitTls => Tls::Wrapper(tls),
                _ => Tls::Required(tls),
            });
        }
        if let Some((user, password)) = &relay.credentials {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().clone()));
        }
        Ok(Some(Mailer {
            from,
            route: Route::Smtp {
                transport: Box::new(builder.build()),
                relay,
                timeout,
            },
        }))
    }

    /// What this mailer does, for the start line: never the password.
    pub fn describe(&self) -> String {
        match &self.route {
            Route::Smtp { relay, .. } => {
                format!(
                    "SMTP {}:{} ({}) as {}",
                    relay.host, relay.port, relay.security, self.from
                )
            }
            Route::Console => "printed to the console (--mail-to-console), NOT SENT".into(),
        }
    }

    /// Whether messages are printed instead of sent.
    pub fn is_console(&self) -> bool {
        matches!(self.route, Route::Console)
    }

    /// Sends `message`. Logs the recipient's domain and the outcome, never the body.
    pub async fn send(&self, message: &Message) -> Result<(), MailError> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|_| MailError::InvalidRecipient)?;
        let domain = to.email.domain().to_string();
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(message.text.clone())
            .map_err(|_| MailError::InvalidRecipient)?;
        let result = match &self.route {
            Route::Console => print_to_console(&email),
            Route::Smtp {
                transport,
                relay,
                timeout,
            } => {
                let name = format!("{}:{}", relay.host, relay.port);
                // lettre's timeout covers each step; this bounds the whole conversation.
                match tokio::time::timeout(*timeout * 3, transport.send(email)).await {
                    Ok(Ok(_)) => Ok(()),
                    Ok(Err(e)) => Err(classify(&name, &e, timeout.as_secs())),
                    Err(_) => Err(MailError::Timeout {
                        relay: name,
                        seconds: timeout.as_secs(),
                    }),
                }
            }
        };
        match &result {
            Ok(()) => tracing::info!(recipient_domain = %domain, "mail sent"),
            // A relay's refusal may quote the recipient's address: the log gets its kind only.
            Err(MailError::Refused { relay, .. }) => tracing::warn!(
                recipient_domain = %domain,
                %relay,
                "mail not sent: the relay refused the message"
            ),
            Err(e) => tracing::warn!(recipient_domain = %domain, error = %e, "mail not sent"),
        }
        result
    }
}

fn parse_sender(from: &str) -> Result<Mailbox, MailConfigError> {
    from.parse()
        .map_err(|e: lettre::address::AddressError| MailConfigError::BadSender(e.to_string()))
}

fn print_to_console(email: &lettre::Message) -> Result<(), MailError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "----- mail (--mail-to-console: NOT SENT) -----")?;
    out.write_all(&email.formatted())?;
    writeln!(out, "\n----- end of mail -----")?;
    out.flush()?;
    Ok(())
}

/// Sorts lettre's error into what an operator can act on.
fn classify(relay: &str, e: &lettre::transport::smtp::Error, seconds: u64) -> MailError {
    let relay = relay.to_string();
    let detail = e.to_string();
    if e.is_timeout() {
        return MailError::Timeout { relay, seconds };
    }
    // lettre reports a refused certificate as a connection error whose text names it.
    let lower = detail.to_ascii_lowercase();
    if e.is_tls()
        || ["tls", "certificate", "handshake"]
            .iter()
            .any(|word| lower.contains(word))
    {
        return MailError::Tls { relay, detail };
    }
    if let Some(code) = e.status() {
        let code = code.to_string();
        // 530: authentication required; 534/535: credentials refused; 454: temporary auth failure.
        if matches!(code.as_str(), "530" | "534" | "535" | "454") {
            return MailError::Authentication { relay, detail };
        }
        return MailError::Refused { relay, detail };
    }
    MailError::Unreachable { relay, detail }
}

/// The `send-test-mail` subcommand: sends one message to `to` with the configured settings and
/// says what happened. Errors name the relay and the cause, never the password.
pub async fn send_test_mail(config: &Config, to: &str) -> anyhow::Result<()> {
    let mailer = Mailer::from_config(config)?.ok_or_else(|| {
        anyhow::anyhow!("no mail settings: set --smtp-url and --mail-from (or --mail-to-console)")
    })?;
    if mailer.is_console() {
        eprintln!("{CONSOLE_WARNING}");
    }
    let message = Message {
        to: to.to_string(),
        subject: "zkshare test message".into(),
        text: "This is a test message from zkshare-server send-test-mail.\n\
               The server's mail settings work."
            .into(),
    };
    mailer.send(&message).await?;
    println!("test message to {to} accepted: {}", mailer.describe());
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    fn config(args: &[&str]) -> Config {
        Config::try_parse_from(std::iter::once("zkshare-server").chain(args.iter().copied()))
            .unwrap()
    }

    #[test]
    fn the_relay_password_stays_out_of_config_debug_and_the_description() {
        let c = config(&[
            "--smtp-url",
            "smtps://u:Hunter2-smtp-pw@mail.example.com",
            "--mail-from",
            "zkshare <noreply@example.com>",
        ]);
        assert!(!format!("{c:?}").contains("Hunter2"));
        let mailer = Mailer::from_config(&c).unwrap().unwrap();
        let described = mailer.describe();
        assert!(!described.contains("Hunter2"), "{described}");
        assert!(
            described.contains("mail.example.com:465 (TLS)"),
            "{described}"
        );
    }

    #[test]
    fn send_test_mail_takes_the_mail_options_before_or_after_it() {
        let after = config(&[
            "send-test-mail",
            "--to",
            "a@example.com",
            "--smtp-url",
            "smtp://mail.example.com",
            "--mail-from",
            "noreply@example.com",
        ]);
        assert_eq!(after.test_mail_recipient(), Some("a@example.com"));
        assert!(after.smtp_url.is_some() && after.mail_from.is_some());
        let before = config(&[
            "--mail-to-console",
            "send-test-mail",
            "--to",
            "a@example.com",
        ]);
        assert!(before.mail_to_console);
        assert_eq!(config(&[]).test_mail_recipient(), None);
    }

    #[test]
    fn settings_are_checked_before_any_mail() {
        assert!(Mailer::from_config(&config(&[])).unwrap().is_none());
        let no_sender = config(&["--smtp-url", "smtp://mail.example.com"]);
        assert!(matches!(
            Mailer::from_config(&no_sender),
            Err(MailConfigError::NoSender)
        ));
        let bad_sender = config(&[
            "--smtp-url",
            "smtp://mail.example.com",
            "--mail-from",
            "not an address",
        ]);
        assert!(matches!(
            Mailer::from_config(&bad_sender),
            Err(MailConfigError::BadSender(_))
        ));
        let flag_alone = config(&["--smtp-insecure-localhost"]);
        assert!(Mailer::from_config(&flag_alone).is_err());
        let missing_ca = config(&[
            "--smtp-url",
            "smtp://mail.example.com",
            "--mail-from",
            "noreply@example.com",
            "--smtp-ca-file",
            "/nonexistent/ca.pem",
        ]);
        assert!(matches!(
            Mailer::from_config(&missing_ca),
            Err(MailConfigError::CaFile { .. })
        ));
        assert!(
            Config::try_parse_from([
                "zkshare-server",
                "--mail-to-console",
                "--smtp-url",
                "smtp://mail.example.com"
            ])
            .is_err()
        );
        let console = Mailer::from_config(&config(&["--mail-to-console"]))
            .unwrap()
            .unwrap();
        assert!(console.is_console() && console.describe().contains("NOT SENT"));
    }

    #[tokio::test]
    async fn an_invalid_recipient_is_refused_before_any_connection() {
        let console = Mailer::from_config(&config(&["--mail-to-console"]))
            .unwrap()
            .unwrap();
        let message = Message {
            to: "not an address".into(),
            subject: "s".into(),
            text: "t".into(),
        };
        assert!(matches!(
            console.send(&message).await,
            Err(MailError::InvalidRecipient)
        ));
    }
}
