//! Restricted shares in a real headless Chromium against the real server, with real e-mail: signing in from an organization's link and coming back to it, e-mail recipients (members and outsiders), "My shares" with its access log and delete, and the organization's sharing settings.

use std::time::Duration;

use chromiumoxide::Page;
use serde_json::{Value, json};
use zkshare_tests::browser::{Chromium, eval};
use zkshare_tests::flows::{self, Revealed};
use zkshare_tests::npm;
use zkshare_tests::pages::{problems, shot, shown, submit, text_with, until};
use zkshare_tests::server::MailStack;
use zkshare_tests::smtp::{SmtpSink, code_in};

const TIMEOUT: Duration = Duration::from_secs(30);
const PASSWORD: &str = "correct horse battery staple";

/// Signs `email` up through the API with the e-mailed code.
async fn sign_up(base: &str, sink: &SmtpSink, email: &str) {
    let client = reqwest::Client::new();
    let signup = client
        .post(format!("{base}/api/v1/auth/signup"))
        .json(&json!({ "email": email, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), 202);
    let code = code_in(&sink.arrival(email, 1, TIMEOUT).await.body);
    let verified = client
        .post(format!("{base}/api/v1/auth/verify"))
        .json(&json!({ "email": email, "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(verified.status(), 201);
}

/// A browser signed in as a new user `email` who created the organization `org` (its admin).
async fn admin_of(base: &str, sink: &SmtpSink, email: &str, org: &str) -> (Chromium, Page) {
    sign_up(base, sink, email).await;
    let browser = Chromium::launch().await;
    let page = flows::log_in(&browser, base, email, PASSWORD).await;
    shown(&page, "#org-form").await;
    flows::set_value(&page, "#org-name", org).await;
    submit(&page, "#org-form").await;
    text_with(&page, "#me-orgs", org).await;
    until(&page, "document.getElementById('org-select').value").await;
    (browser, page)
}

/// Opens the share page as the signed-in user of `browser`, waits for the organization's
/// controls, fills the secret and runs `more` on the page before submitting.
async fn share_page(browser: &Chromium, base: &str, secret: &str) -> Page {
    let page = browser.open(&format!("{base}/")).await;
    shown(&page, "#org-only").await;
    shown(&page, "#recipients").await;
    flows::set_value(&page, "#secret", secret).await;
    page
}

/// Submits the share form and waits for the link or an error; returns (link, error).
async fn create(page: &Page) -> (String, String) {
    // The last attempt's error goes first, so that it is not read as this one's.
    eval(
        page,
        "document.getElementById('create-error').hidden = true",
    )
    .await;
    flows::click(page, "#create").await;
    until(
        page,
        "(!document.getElementById('result').hidden && document.getElementById('link').value) || \
         (!document.getElementById('create-error').hidden && document.getElementById('create-error').textContent)",
    )
    .await;
    if flows::is_visible(page, "#create-error").await {
        (String::new(), flows::text(page, "#create-error").await)
    } else {
        (flows::text(page, "#link").await, String::new())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_out_member_signs_in_and_comes_back_to_the_same_link_with_its_key() {
    let stack = tokio::task::spawn_blocking(MailStack::start).await.unwrap();
    let base = stack.server.base_url().to_string();
    let (alice, _) = admin_of(&base, &stack.sink, "alice@example.com", "Acme").await;
    let page = share_page(&alice, &base, "for acme only").await;
    assert_eq!(
        eval(&page, "document.getElementById('org-only').checked").await,
        true
    );
    flows::set_value(&page, "#views", "3").await;
    let (link, error) = create(&page).await;
    assert!(error.is_empty(), "{error}");
    let (id, key) = flows::split_link(&link);
    assert_eq!(key.len(), 43, "{link}");

    // Alice on another device, not signed in: the page asks her to sign in.
    let laptop = Chromium::launch().await;
    let page = laptop.open(&link).await;
    shown(&page, "#ask").await;
    assert_eq!(
        eval(&page, "location.hash").await,
        "",
        "the key left the address bar"
    );
    flows::click(&page, "#reveal").await;
    shown(&page, "#sign-in-link").await;
    text_with(
        &page,
        "#reveal-error",
        "Only members of the sender's organization",
    )
    .await;
    assert_eq!(
        eval(
            &page,
            "document.getElementById('sign-in-link').getAttribute('href')"
        )
        .await,
        "/login"
    );
    shot(&page, "restricted-sign-in.png").await;
    let axe = npm::axe_violations(&page).await;
    assert!(axe.is_empty(), "axe-core violations:\n{}", axe.join("\n"));
    flows::click(&page, "#sign-in-link").await;
    until(&page, "location.pathname === '/login'").await;
    shown(&page, "#login-form").await;
    flows::set_value(&page, "#email", "alice@example.com").await;
    flows::set_value(&page, "#password", PASSWORD).await;
    submit(&page, "#login-form").await;
    // Back on the same link; the page took the key from the fragment and removed it again.
    until(&page, &format!("location.pathname === '/s/{id}'")).await;
    shown(&page, "#ask").await;
    assert_eq!(eval(&page, "location.hash").await, "");
    assert_eq!(
        eval(&page, "sessionStorage.getItem('zkshare.return')").await,
        Value::Null,
        "the return target is used once"
    );
    let outcome = flows::reveal_on(&page, None).await;
    assert!(
        matches!(outcome, Revealed::Secret { ref text, .. } if text == "for acme only"),
        "{outcome:?}"
    );
    shot(&page, "restricted-revealed.png").await;

    // A return target that is not a secret's page of this site is ignored.
    let login = laptop.open(&format!("{base}/login")).await;
    shown(&login, "#login-form").await;
    eval(
        &login,
        "sessionStorage.setItem('zkshare.return', '//evil.example/s/x'), true",
    )
    .await;
    flows::set_value(&login, "#email", "alice@example.com").await;
    flows::set_value(&login, "#password", PASSWORD).await;
    submit(&login, "#login-form").await;
    until(&login, "location.pathname === '/account'").await;
    assert_eq!(
        eval(&login, "location.host").await,
        base.trim_start_matches("http://")
    );

    for browser in [&alice, &laptop] {
        let problems = problems(browser, &["400", "401", "403", "404"]);
        assert!(problems.is_empty(), "{problems:#?}");
    }
    alice.close().await;
    laptop.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_mail_recipients_get_keyless_links_and_outsiders_a_token() {
    let stack = tokio::task::spawn_blocking(MailStack::start).await.unwrap();
    let base = stack.server.base_url().to_string();
    let sink = &stack.sink;
    let (alice, _) = admin_of(&base, sink, "alice@example.com", "Acme").await;

    // A member as recipient: a password is required and the link has no key.
    let page = share_page(&alice, &base, "for alice by mail").await;
    flows::set_value(&page, "#recipients", "alice@example.com").await;
    shown(&page, "#password-why").await;
    let (link, error) = create(&page).await;
    assert!(link.is_empty());
    assert!(error.contains("Set a password"), "{error}");
    flows::type_into(&page, "#password", "tell-no-one").await;
    let (link, error) = create(&page).await;
    assert!(error.is_empty(), "{error}");
    assert!(!link.contains('#'), "a keyless link: {link}");
    text_with(&page, "#mailed", "Mailed to 1 recipient").await;
    let mailed = SmtpSink::link_in(
        &sink.arrival("alice@example.com", 2, TIMEOUT).await.body,
        &format!("{base}/s/"),
    );
    assert_eq!(mailed, link, "members get the keyless link");
    let id = link.rsplit('/').next().unwrap();
    let (status, meta) = flows::metadata(&base, id).await;
    assert_eq!(status, 200);
    assert_eq!(meta["recipientCount"], 1, "{meta}");
    // A recipient outside the organization needs "outside recipients", which excludes "only my
    // organization" (and the other way round).
    let page = share_page(&alice, &base, "for carol outside").await;
    assert_eq!(
        eval(&page, "document.getElementById('allow-external').disabled").await,
        true
    );
    flows::click(&page, "#org-only").await;
    flows::click(&page, "#allow-external").await;
    assert_eq!(
        eval(&page, "document.getElementById('org-only').disabled").await,
        true
    );
    flows::set_value(&page, "#recipients", "carol@outside.example").await;
    flows::set_value(&page, "#views", "").await;
    flows::type_into(&page, "#password", "tell-carol").await;
    shot(&page, "share-recipients.png").await;
    let mut axe = npm::axe_violations(&page).await;
    let (link, error) = create(&page).await;
    assert!(error.is_empty(), "{error}");
    assert!(!link.contains('#'), "{link}");
    let carol_link = SmtpSink::link_in(
        &sink.arrival("carol@outside.example", 1, TIMEOUT).await.body,
        &format!("{base}/s/"),
    );
    let (without_token, token) = carol_link.split_once("#r=").expect("a recipient token");
    assert_eq!(token.len(), 43, "{carol_link}");
    assert_eq!(without_token, link);
    // Without the checkbox, an outsider is refused with the server's words.
    let page = share_page(&alice, &base, "not for carol").await;
    flows::set_value(&page, "#recipients", "carol@outside.example").await;
    flows::type_into(&page, "#password", "tell-carol").await;
    let (_, error) = create(&page).await;
    assert!(
        error.contains("Every email must belong to a member of your organization"),
        "{error}"
    );

    // Carol, in her own browser, not signed in.
    let carol = Chromium::launch().await;
    // The link without its token: the server's refusal, shown as it said it.
    let page = carol.open(without_token).await;
    let outcome = flows::reveal_on(&page, Some("tell-carol")).await;
    assert!(
        matches!(outcome, Revealed::Error(ref m) if m.contains("Authentication required to view this secret")),
        "{outcome:?}"
    );
    // The token with a wrong password.
    let page = carol.open(&carol_link).await;
    shown(&page, "#ask").await;
    assert_eq!(
        eval(&page, "location.hash").await,
        "",
        "the token left the address bar"
    );
    assert!(flows::is_visible(&page, "#password").await);
    let outcome = flows::reveal_on(&page, Some("not the password")).await;
    assert!(
        matches!(outcome, Revealed::Error(ref m) if m.contains("Wrong password")),
        "{outcome:?}"
    );
    // The right one.
    let outcome = flows::reveal_on(&page, Some("tell-carol")).await;
    assert!(
        matches!(outcome, Revealed::Secret { ref text, .. } if text == "for carol outside"),
        "{outcome:?}"
    );
    shot(&page, "recipient-revealed.png").await;
    axe.extend(npm::axe_violations(&page).await);
    assert!(axe.is_empty(), "axe-core violations:\n{}", axe.join("\n"));

    for browser in [&alice, &carol] {
        let problems = problems(browser, &["400", "401", "403", "404"]);
        assert!(problems.is_empty(), "{problems:#?}");
    }
    alice.close().await;
    carol.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_shares_lists_logs_and_deletes_and_the_sharing_settings_are_enforced() {
    let stack = tokio::task::spawn_blocking(MailStack::start).await.unwrap();
    let base = stack.server.base_url().to_string();
    let (alice, _) = admin_of(&base, &stack.sink, "alice@example.com", "Acme").await;
    let mut links = Vec::new();
    for name in ["staging db", "deploy key"] {
        let page = share_page(&alice, &base, &format!("value of {name}")).await;
        flows::set_value(&page, "#name", name).await;
        flows::set_value(&page, "#views", "3").await;
        let (link, error) = create(&page).await;
        assert!(error.is_empty(), "{error}");
        links.push(link);
    }
    let (_, outcome) = flows::reveal(&alice, &links[0], None).await;
    assert!(matches!(outcome, Revealed::Secret { .. }), "{outcome:?}");

    let page = alice.open(&format!("{base}/shares")).await;
    shown(&page, "#shares").await;
    text_with(&page, "#share-list", "staging db").await;
    text_with(&page, "#share-list", "deploy key").await;
    let (staging, _) = flows::split_link(&links[0]);
    let (deploy, _) = flows::split_link(&links[1]);
    let row = |id: &str| format!("#share-list li[data-share='{id}']");
    text_with(&page, &row(&staging), "Views left: 2").await;
    text_with(&page, &row(&staging), "members of the organization").await;
    flows::click(&page, &format!("{} details summary", row(&staging))).await;
    text_with(&page, &format!("{} details", row(&staging)), "viewed").await;
    text_with(
        &page,
        &format!("{} details", row(&staging)),
        "alice@example.com",
    )
    .await;
    shot(&page, "my-shares.png").await;
    let mut axe = npm::axe_violations(&page).await;
    eval(&page, "window.confirm = () => true").await;
    flows::click(&page, &format!("{} button.trash", row(&deploy))).await;
    until(
        &page,
        &format!("!document.querySelector(\"{}\")", row(&deploy)),
    )
    .await;
    text_with(&page, "#shares-status", "Deleted").await;
    assert!(flows::is_visible(&page, &row(&staging)).await);
    let (status, _) = flows::metadata(&base, &deploy).await;
    assert_eq!(status, 404);

    // The organization's sharing settings, saved on its page, hold on the share page.
    let page = alice.open(&format!("{base}/org")).await;
    shown(&page, "#sharing-form").await;
    until(
        &page,
        "!document.querySelector('#sharing-form button').disabled",
    )
    .await;
    assert_eq!(
        eval(&page, "document.getElementById('sharing-lifetime').value").await,
        ""
    );
    flows::set_value(&page, "#sharing-lifetime", "3600").await;
    flows::set_value(&page, "#sharing-views", "5").await;
    submit(&page, "#sharing-form").await;
    text_with(&page, "#org-status", "sharing settings were saved").await;
    shot(&page, "org-sharing.png").await;
    axe.extend(npm::axe_violations(&page).await);
    let page = alice.open(&format!("{base}/org")).await;
    shown(&page, "#sharing-form").await;
    until(
        &page,
        "document.getElementById('sharing-lifetime').value === '3600'",
    )
    .await;
    assert_eq!(
        eval(&page, "document.getElementById('sharing-views').value").await,
        "5"
    );
    let page = share_page(&alice, &base, "too long").await;
    flows::set_value(&page, "#expires", "1d").await;
    flows::set_value(&page, "#views", "1").await;
    let (link, error) = create(&page).await;
    assert!(link.is_empty());
    assert!(
        error.contains("Secret lifetime exceeds organization limit"),
        "{error}"
    );
    flows::set_value(&page, "#expires", "1h").await;
    let (link, error) = create(&page).await;
    assert!(error.is_empty() && !link.is_empty(), "{error}");

    assert!(axe.is_empty(), "axe-core violations:\n{}", axe.join("\n"));
    let problems = problems(&alice, &["400", "401", "403", "404"]);
    assert!(problems.is_empty(), "{problems:#?}");
    alice.close().await;
}
