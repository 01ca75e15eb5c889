//! The relay settings from --smtp-url: scheme, host, port, credentials, and the TLS rules they must keep.

use std::fmt;
use std::net::IpAddr;

use crate::config::Redacted;

/// How the connection to the relay is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Security {
    /// `smtp://`: plain TCP upgraded with STARTTLS; a relay that does not offer it is refused.
    StartTls,
    /// `smtps://`: TLS from the first byte.
    ImplicitTls,
    /// `smtp://` with --smtp-insecure-localhost, to a loopback host only: no TLS at all.
    PlaintextLoopback,
}

impl fmt::Display for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Security::StartTls => "STARTTLS",
            Security::ImplicitTls => "TLS",
            Security::PlaintextLoopback => "plaintext, loopback only",
        })
    }
}

/// A relay's address and login, parsed and checked. Its `Debug` hides the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relay {
    /// How the connection is protected.
    pub security: Security,
    /// Host name or IP address (without IPv6 brackets); also the name the certificate must carry.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// User name and password for SMTP AUTH, when the URL has them.
    pub credentials: Option<(String, Redacted<String>)>,
}

/// Why an --smtp-url is not accepted. Messages never quote the URL (it may hold a password).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RelayError {
    /// Not a URL at all.
    #[error("--smtp-url is not a valid URL ({0})")]
    Syntax(String),
    /// Another scheme than smtp or smtps.
    #[error("--smtp-url must start with smtp:// (STARTTLS) or smtps:// (TLS), not {0}://")]
    Scheme(String),
    /// No host.
    #[error("--smtp-url has no host")]
    NoHost,
    /// A path, query or fragment, which would be ignored silently.
    #[error(
        "--smtp-url must be only smtp[s]://[user:password@]host[:port]; remove the path, query or fragment"
    )]
    Extra,
    /// Plaintext asked for a relay that is not on this machine.
    #[error(
        "--smtp-insecure-localhost allows mail without TLS only to a loopback host \
         (127.0.0.0/8, ::1, localhost), and {0} is not one; use STARTTLS (smtp://) or TLS (smtps://)"
    )]
    InsecureRemote(String),
    /// Plaintext asked for with an smtps:// URL.
    #[error(
        "--smtp-insecure-localhost contradicts smtps:// (implicit TLS); use smtp:// for a local plaintext relay"
    )]
    InsecureWithTls,
    /// A user or password that is not valid percent-encoded UTF-8.
    #[error("--smtp-url's user or password is not valid percent-encoded UTF-8")]
    Credentials,
}

impl Relay {
    /// Parses `url`; `insecure_localhost` is --smtp-insecure-localhost.
    pub fn parse(url: &str, insecure_localhost: bool) -> Result<Relay, RelayError> {
        // The url crate's errors name the problem, never the input.
        let parsed = url::Url::parse(url).map_err(|e| RelayError::Syntax(e.to_string()))?;
        let (security, default_port) = match (parsed.scheme(), insecure_localhost) {
            ("smtp", false) => (Security::StartTls, 587),
            ("smtp", true) => (Security::PlaintextLoopback, 25),
            ("smtps", false) => (Security::ImplicitTls, 465),
            ("smtps", true) => return Err(RelayError::InsecureWithTls),
            (other, _) => return Err(RelayError::Scheme(other.to_string())),
        };
        let host = match parsed.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(RelayError::NoHost),
        };
        if !(parsed.path().is_empty() || parsed.path() == "/")
            || parsed.query().is_some()
            || parsed.fragment().is_some()
        {
            return Err(RelayError::Extra);
        }
        if security == Security::PlaintextLoopback && !is_loopback(&host) {
            return Err(RelayError::InsecureRemote(host));
        }
        let credentials = if parsed.username().is_empty() && parsed.password().is_none() {
            None
        } else {
            let decode = |s: &str| percent_decode(s).ok_or(RelayError::Credentials);
            Some((
                decode(parsed.username())?,
                Redacted::new(decode(parsed.password().unwrap_or(""))?),
            ))
        };
        Ok(Relay {
            security,
            host,
            port: parsed.port().unwrap_or(default_port),
            credentials,
        })
    }
}

/// Whether `host` names this machine without asking DNS: a loopback IP or `localhost`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_means_starttls_and_smtps_means_tls_with_their_ports() {
        let r = Relay::parse("smtp://mail.example.com", false).unwrap();
        assert_eq!(
            (r.security, r.host.as_str(), r.port),
            (Security::StartTls, "mail.example.com", 587)
        );
        assert_eq!(r.credentials, None);
        let r = Relay::parse("smtps://mail.example.com", false).unwrap();
        assert_eq!((r.security, r.port), (Security::ImplicitTls, 465));
        let r = Relay::parse("smtp://mail.example.com:2525/", false).unwrap();
        assert_eq!(r.port, 2525);
    }

    #[test]
    fn credentials_are_percent_decoded_and_hidden_from_debug() {
        let r = Relay::parse(
            "smtp://ann%40example.com:p%3Ass%2Fw0rd-Zq9@mail.example.com:587",
            false,
        )
        .unwrap();
        let (user, password) = r.credentials.clone().unwrap();
        assert_eq!(user, "ann@example.com");
        assert_eq!(password.expose(), "p:ss/w0rd-Zq9");
        let printed = format!("{r:?}");
        assert!(
            !printed.contains("w0rd") && printed.contains("[redacted]"),
            "{printed}"
        );
        assert_eq!(
            Relay::parse("smtp://u:%ff@mail.example.com", false),
            Err(RelayError::Credentials)
        );
    }

    #[test]
    fn plaintext_only_with_the_flag_and_only_to_loopback() {
        for host in ["127.0.0.1", "127.8.9.10", "[::1]", "localhost", "LOCALHOST"] {
            let r = Relay::parse(&format!("smtp://{host}:2525"), true).unwrap();
            assert_eq!(r.security, Security::PlaintextLoopback, "{host}");
        }
        for host in [
            "mail.example.com",
            "10.0.0.1",
            "[2001:db8::1]",
            "localhost.example.com",
            "0.0.0.0",
        ] {
            let e = Relay::parse(&format!("smtp://{host}:25"), true).unwrap_err();
            assert!(matches!(e, RelayError::InsecureRemote(_)), "{host}: {e}");
            assert!(e.to_string().contains("loopback"), "{e}");
        }
        // Without the flag, even a loopback relay must offer STARTTLS.
        assert_eq!(
            Relay::parse("smtp://127.0.0.1:25", false).unwrap().security,
            Security::StartTls
        );
        assert_eq!(
            Relay::parse("smtps://127.0.0.1", true),
            Err(RelayError::InsecureWithTls)
        );
    }

    #[test]
    fn refuses_other_schemes_missing_hosts_and_ignored_parts_without_quoting_the_url() {
        assert!(
            matches!(Relay::parse("http://mail.example.com", false), Err(RelayError::Scheme(s)) if s == "http")
        );
        assert!(matches!(
            Relay::parse("mail.example.com:587", false),
            Err(RelayError::Scheme(_) | RelayError::Syntax(_))
        ));
        assert!(Relay::parse("smtp://", false).is_err());
        assert_eq!(
            Relay::parse("smtp://mail.example.com/x", false),
            Err(RelayError::Extra)
        );
        assert_eq!(
            Relay::parse("smtp://mail.example.com?insecure=true", false),
            Err(RelayError::Extra)
        );
        let e = Relay::parse("smtp://u:Sekr1t@mail.example.com/path", false).unwrap_err();
        assert!(!e.to_string().contains("Sekr1t"));
        let e = Relay::parse("smtp://u:Sekr1t@[bad", false).unwrap_err();
        assert!(!e.to_string().contains("Sekr1t"));
    }
}
