//! The account pages in a real headless Chromium against the real server, with account e-mail through a real SMTP server: sign-up, organization, invitation, machine identity, organization shares.

use std::time::{Duration, Instant};

use chromiumoxide::Page;
use serde_json::{Value, json};
use zkshare_tests::browser::{Chromium, eval};
use zkshare_tests::flows::{self, Revealed};
use zkshare_tests::npm;
use zkshare_tests::pages::{path_is, problems, shot, shown, submit, text_with, until};
use zkshare_tests::server::MailStack;
use zkshare_tests::smtp::{SmtpSink, code_in};

const TIMEOUT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct horse battery staple";
const ACCOUNT_PAGES: [&str; 7] = [
    "/signup", "/login", "/reset", "/invite", "/account", "/org", "/shares",
];

/// Signs up on /signup (already open in `page`) with the code from the mail; lands on /account.
async fn sign_up_on(page: &Page, sink: &SmtpSink, email: &str, mails_before: usize) {
    shown(page, "#signup-form").await;
    flows::set_value(page, "#email", email).await;
    flows::set_value(page, "#password", PASSWORD).await;
    submit(page, "#signup-form").await;
    shown(page, "#verify").await;
    text_with(page, "#verify-sent", email).await;
    let code = code_in(&sink.arrival(email, mails_before + 1, TIMEOUT).await.body);
    flows::set_value(page, "#code", &code).await;
    submit(page, "#verify-form").await;
}

/// Creates a secret on the share page as the signed-in user of `browser` (an organization
/// secret: the page offers it once it knows the user's organization); returns the link.
async fn share_as_member(
    browser: &Chromium,
    base: &str,
    email: &str,
    secret: &str,
) -> (Page, String) {
    let page = browser.open(&format!("{base}/")).await;
    text_with(&page, "#session", email).await;
    shown(&page, "#org-only").await;
    assert_eq!(
        eval(&page, "document.getElementById('org-only').checked").await,
        true
    );
    flows::set_value(&page, "#secret", secret).await;
    flows::click(&page, "#create").await;
    until(&page, "document.querySelector('#link').value").await;
    (page.clone(), flows::text(&page, "#link").await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_organize_invite_and_share_within_the_organization() {
    let stack = tokio::task::spawn_blocking(MailStack::start).await.unwrap();
    let base = stack.server.base_url().to_string();
    let sink = &stack.sink;
    let client = reqwest::Client::new();

    // Alice signs up, creates an organization and shares a secret for it.
    let alice = Chromium::launch().await;
    let started = Instant::now();
    let page = alice.open(&format!("{base}/signup")).await;
    shown(&page, "#signup-form").await;
    flows::set_value(&page, "#email", "alice@example.com").await;
    until(
        &page,
        "!document.querySelector('#signup-form button').disabled",
    )
    .await;
    // The screenshot and the accessibility check are not part of the timing.
    let paused = Instant::now();
    shot(&page, "signup.png").await;
    let mut axe = Vec::new();
    axe.extend(npm::axe_violations(&page).await);
    let pause = paused.elapsed();
    sign_up_on(&page, sink, "alice@example.com", 0).await;
    path_is(&page, "/account").await;
    shown(&page, "#profile").await;
    assert_eq!(flows::text(&page, "#me-email").await, "alice@example.com");
    let signed_up = started.elapsed() - pause;
    flows::set_value(&page, "#org-name", "Acme").await;
    submit(&page, "#org-form").await;
    text_with(&page, "#me-orgs", "Acme").await;
    let org = until(&page, "document.getElementById('org-select').value")
        .await
        .as_str()
        .unwrap()
        .to_string();
    let organized = started.elapsed() - pause;
    let (share_page, first) = share_as_member(
        &alice,
        &base,
        "alice@example.com · Acme",
        "first org secret",
    )
    .await;
    let elapsed = started.elapsed() - pause;
    axe.extend(npm::axe_violations(&share_page).await);
    println!(
        "sign-up to first org share: {:.2} s (signed up at {:.2} s with the e-mailed code, \
         organization at {:.2} s, share created at {:.2} s)",
        elapsed.as_secs_f64(),
        signed_up.as_secs_f64(),
        organized.as_secs_f64(),
        elapsed.as_secs_f64()
    );
    let (id, _) = flows::split_link(&first);
    let (status, meta) = flows::metadata(&base, &id).await;
    assert_eq!(status, 200, "{meta}");
    assert_eq!(meta["accessType"], "organization", "{meta}");
    assert_eq!(meta["orgId"], json!(org), "{meta}");
    // Without a session the secret does not open.
    let anonymous = client
        .post(format!("{base}/api/v1/shared-secrets/{id}/access"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // The organization page: invite Bob, create a machine identity.
    let org_page = alice.open(&format!("{base}/org")).await;
    shown(&org_page, "#org").await;
    assert_eq!(flows::text(&org_page, "#org-title").await, "Acme");
    text_with(&org_page, "#members", "alice@example.com").await;
    flows::set_value(&org_page, "#invite-email", "bob@example.com").await;
    submit(&org_page, "#invite-form").await;
    text_with(&org_page, "#invites", "bob@example.com").await;
    let invite_link = SmtpSink::link_in(
        &sink.arrival("bob@example.com", 1, TIMEOUT).await.body,
        &format!("{base}/invite#"),
    );

    flows::set_value(&org_page, "#identity-name", "deploy bot").await;
    submit(&org_page, "#identity-form").await;
    shown(&org_page, "#new-secret").await;
    text_with(&org_page, "#identities", "deploy bot").await;
    let client_id = flows::text(&org_page, "#new-client-id").await;
    let client_secret = flows::text(&org_page, "#new-client-secret").await;
    assert!(!client_secret.is_empty());
    let listed = flows::text(&org_page, "#identities").await;
    assert!(listed.contains(&client_id), "{listed}");
    assert!(
        !listed.contains(&client_secret),
        "the list shows a hint only"
    );
    shot(&org_page, "organization.png").await;
    axe.extend(npm::axe_violations(&org_page).await);
    let login = client
        .post(format!("{base}/api/v1/auth/universal-auth/login"))
        .json(&json!({ "clientId": client_id, "clientSecret": client_secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    let token: Value = login.json().await.unwrap();
    assert_eq!(token["tokenType"], "Bearer", "{token}");
    flows::click(&org_page, "#new-secret-done").await;
    assert!(!flows::is_visible(&org_page, "#new-secret").await);
    assert_eq!(flows::text(&org_page, "#new-client-secret").await, "");

    // Bob, in a browser of his own: the invitation, sign-up with it, accept.
    let bob = Chromium::launch().await;
    let page = bob.open(&invite_link).await;
    shown(&page, "#invitation").await;
    assert_eq!(flows::text(&page, "#inv-org").await, "Acme");
    assert_eq!(flows::text(&page, "#inv-email").await, "bob@example.com");
    shown(&page, "#inv-anon").await;
    axe.extend(npm::axe_violations(&page).await);
    flows::click(&page, "#inv-signup").await;
    path_is(&page, "/signup").await;
    shown(&page, "#signup-invite").await;
    sign_up_on(&page, sink, "bob@example.com", 1).await;
    path_is(&page, "/invite").await;
    shown(&page, "#inv-accept").await;
    flows::click(&page, "#accept").await;
    path_is(&page, "/account").await;
    shown(&page, "#profile").await;
    text_with(&page, "#me-orgs", "Acme").await;
    assert_eq!(
        eval(&page, "document.getElementById('org-select').value").await,
        json!(org)
    );
    shot(&page, "account.png").await;
    axe.extend(npm::axe_violations(&page).await);
    // A member sees a note instead of the admin controls, and may leave.
    let member_view = bob.open(&format!("{base}/org")).await;
    shown(&member_view, "#not-admin").await;
    assert_eq!(flows::text(&member_view, "#org-title").await, "Acme");
    assert!(!flows::is_visible(&member_view, "#admin").await);
    assert!(flows::is_visible(&member_view, "#leave").await);
    axe.extend(npm::axe_violations(&member_view).await);

    // Bob shares for the organization; Alice opens it in her browser.
    let form = bob.open(&format!("{base}/")).await;
    shown(&form, "#org-only").await;
    axe.extend(npm::axe_violations(&form).await);
    let (_, link) =
        share_as_member(&bob, &base, "bob@example.com · Acme", "from bob to acme").await;
    // A browser that is not signed in is told to sign in, and uses no view.
    let stranger = Chromium::launch().await;
    let (_, outcome) = flows::reveal(&stranger, &link, None).await;
    assert!(
        matches!(outcome, Revealed::Error(ref m) if m.contains("Only members of the sender's organization")),
        "{outcome:?}"
    );
    stranger.close().await;
    let (_, outcome) = flows::reveal(&alice, &link, None).await;
    assert!(
        matches!(outcome, Revealed::Secret { ref text, .. } if text == "from bob to acme"),
        "{outcome:?}"
    );
    // The admin's page lists Bob as a member now.
    let org_page = alice.open(&format!("{base}/org")).await;
    text_with(&org_page, "#members", "bob@example.com").await;
    // Bob becomes an admin, then is removed.
    flows::set_value(&org_page, "#members select", "admin").await;
    text_with(
        &org_page,
        "#org-status",
        "The role of bob@example.com was changed",
    )
    .await;
    flows::click(&org_page, "#members button.danger").await;
    until(
        &org_page,
        "!document.getElementById('members').textContent.includes('bob@example.com')",
    )
    .await;

    assert!(axe.is_empty(), "axe-core violations:\n{}", axe.join("\n"));
    for browser in [&alice, &bob] {
        let problems = problems(browser, &["401"]);
        assert!(
            problems.is_empty(),
            "the pages logged problems: {problems:#?}"
        );
    }
    alice.close().await;
    bob.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_a_reset_by_e_mail_and_logout_under_a_strict_csp() {
    let stack = tokio::task::spawn_blocking(MailStack::start).await.unwrap();
    let base = stack.server.base_url().to_string();
    let client = reqwest::Client::new();
    for path in ACCOUNT_PAGES {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let csp = response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        let html = response.text().await.unwrap();
        assert!(
            !html.contains("{{"),
            "{path}: every template token is filled"
        );
        let handlers = html
            .split_whitespace()
            .any(|w| w.starts_with("on") && w.contains("=\""));
        assert!(
            !html.contains("<script>") && !handlers,
            "{path}: no inline script"
        );
        // Every script, module and stylesheet carries the integrity of the served bytes.
        for tag in html
            .split('<')
            .filter(|t| t.starts_with("script") || t.starts_with("link"))
        {
            let Some(src) = attr(tag, "src").or_else(|| attr(tag, "href")) else {
                continue;
            };
            if tag.contains("rel=\"icon\"") {
                continue;
            }
            let integrity = attr(tag, "integrity").unwrap_or_else(|| panic!("{path}: <{tag}"));
            let bytes = client
                .get(format!("{base}{src}"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(integrity, sri(&bytes), "{path}: integrity of {src}");
        }
    }

    let browser = Chromium::launch().await;
    let page = browser.open(&format!("{base}/login")).await;
    shown(&page, "#login-form").await;
    flows::set_value(&page, "#email", "nobody@example.com").await;
    flows::set_value(&page, "#password", "not the password").await;
    submit(&page, "#login-form").await;
    let message = text_with(&page, "#login-error", "Invalid e-mail or password").await;
    assert!(flows::is_visible(&page, "#login-error").await, "{message}");
    assert_eq!(
        eval(&page, "location.pathname").await,
        "/login",
        "a refused login stays on the page"
    );
    // The forgotten-password form answers the same whether or not the address has an account.
    flows::click(&page, "#forgot summary").await;
    flows::set_value(&page, "#forgot-email", "nobody@example.com").await;
    submit(&page, "#forgot-form").await;
    text_with(&page, "#forgot-status", "reset link is on its way").await;

    // Carol (signed up through the API) forgets her password: the e-mailed link, a new
    // password, the login page, and her account.
    let signup = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({ "email": "carol@example.com", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 202);
    let code = code_in(
        &stack
            .sink
            .arrival("carol@example.com", 1, TIMEOUT)
            .await
            .body,
    );
    let verified = client
        .post(format!("{base}/api/v1/auth/verify"))
        .json(&json!({ "email": "carol@example.com", "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), 201);
    flows::set_value(&page, "#forgot-email", "carol@example.com").await;
    submit(&page, "#forgot-form").await;
    let reset_link = SmtpSink::link_in(
        &stack
            .sink
            .arrival("carol@example.com", 2, TIMEOUT)
            .await
            .body,
        &format!("{base}/reset#"),
    );
    let page = browser.open(&reset_link).await;
    shown(&page, "#reset-form").await;
    until(&page, "location.hash === ''").await;
    assert_eq!(
        eval(&page, "location.href").await,
        format!("{base}/reset"),
        "the token leaves the address bar"
    );
    flows::set_value(&page, "#new-password", "a brand new passphrase").await;
    submit(&page, "#reset-form").await;
    path_is(&page, "/login").await;
    text_with(&page, "#login-status", "Your password was changed").await;
    flows::set_value(&page, "#email", "carol@example.com").await;
    flows::set_value(&page, "#password", "a brand new passphrase").await;
    submit(&page, "#login-form").await;
    path_is(&page, "/account").await;
    text_with(&page, "#me-email", "carol@example.com").await;
    // Logging out ends the session: the account page sends her back to the login page.
    flows::click(&page, "#logout").await;
    path_is(&page, "/login").await;
    let page = browser.open(&format!("{base}/account")).await;
    path_is(&page, "/login").await;

    // Every account page renders, in its language, with nothing logged but the refused login.
    for path in ACCOUNT_PAGES {
        let page = browser.open(&format!("{base}{path}")).await;
        until(
            &page,
            "document.readyState === 'complete' && [...document.querySelectorAll('main > section')].some((s) => !s.hidden)",
        )
        .await;
        let raw = eval(
            &page,
            "[...document.querySelectorAll('[data-i18n]')].filter((e) => e.textContent.trim() === e.dataset.i18n).map((e) => e.dataset.i18n)",
        )
        .await;
        assert_eq!(raw, json!([]), "{path}: messages shown as keys");
    }
    let german = Chromium::launch_in("de-DE,de;q=0.9").await;
    let page = german.open(&format!("{base}/login")).await;
    until(&page, "document.documentElement.lang === 'de'").await;
    assert_eq!(flows::text(&page, "#login-title").await, "Anmelden");
    let problems = problems(&browser, &["401"]);
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(german.problems().is_empty(), "{:#?}", german.problems());
    browser.close().await;
    german.close().await;
}

/// The account catalogs (web/accounts/i18n) have the same keys and arguments in every
/// language, add nothing the main catalogs have, and hold every message the account pages name.
#[test]
fn account_catalogs_are_complete() {
    let web = zkshare_tests::workspace_root().join("web");
    let read = |path: &str| -> serde_json::Map<String, Value> {
        let text = std::fs::read_to_string(web.join(path)).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let english = read("accounts/i18n/en.json");
    let main = read("i18n/en.json");
    for key in english.keys() {
        assert!(!main.contains_key(key), "{key} is in both catalogs");
    }
    let arguments = |message: &Value| -> Vec<String> {
        let text = message.as_str().unwrap_or_default();
        let mut names: Vec<String> = text
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        names.extend(text.matches("<a>").map(str::to_string));
        names.sort();
        names
    };
    for lang in ["de", "fr"] {
        let other = read(&format!("accounts/i18n/{lang}.json"));
        let mut ours: Vec<_> = english.keys().collect();
        let mut theirs: Vec<_> = other.keys().collect();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{lang}: the same keys as English");
        for (key, message) in &english {
            assert_eq!(arguments(message), arguments(&other[key]), "{lang} {key}");
        }
    }
    for page in [
        "signup.html",
        "login.html",
        "reset.html",
        "invite.html",
        "account.html",
        "org.html",
        "shares.html",
        "partials/account-nav.html",
    ] {
        let html = std::fs::read_to_string(web.join(page)).unwrap();
        for piece in html.split("data-i18n=\"").skip(1) {
            let key = &piece[..piece.find('"').unwrap()];
            assert!(
                english.contains_key(key) || main.contains_key(key),
                "{page} names {key}, in no catalog"
            );
        }
    }
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(tag[start..end].to_string())
}

fn sri(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(bytes))
    )
}
