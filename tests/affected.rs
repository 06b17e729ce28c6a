//! End-to-end tests of `breach affected import`: generated exports in every layout and
//! encoding are counted exactly as the generator knows they must be, the recipient list
//! holds exactly the affected people, the counts answer the runbook's questions and drive the
//! California Attorney General's clock, and bad input is refused with its exit code.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::breach;
use common::exports::{self, Expected, Layout, Spec};
use serde_json::Value;

fn open_incident(dir: &Path) {
    breach(dir)
        .args([
            "start",
            "--no-walk",
            "--title",
            "Card skimmer on the checkout",
        ])
        .args(["--detected-at", "2026-11-23T08:00:00Z"])
        .assert()
        .success();
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the export");
    path
}

fn import_json(dir: &Path, file: &Path, extra: &[&str]) -> Value {
    let out = breach(dir)
        .args(["affected", "import"])
        .arg(file)
        .args(extra)
        .arg("--json")
        .assert()
        .success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON")
}

fn counts(v: &Value) -> BTreeMap<String, u64> {
    v.as_object()
        .expect("an object")
        .iter()
        .map(|(k, n)| (k.clone(), n.as_u64().expect("a count")))
        .collect()
}

/// The recipient list as e-mail → (name, jurisdiction).
fn recipients(path: &str) -> BTreeMap<String, (String, String)> {
    let mut r = csv::Reader::from_path(path).expect("the recipient list reads");
    let headers = r.headers().expect("a header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "email",
            "name",
            "jurisdiction",
            "country",
            "subdivision",
            "orders",
            "data"
        ]
    );
    r.records()
        .map(|rec| {
            let rec = rec.expect("a row");
            (rec[0].to_string(), (rec[1].to_string(), rec[2].to_string()))
        })
        .collect()
}

fn check(result: &Value, exp: &Expected) {
    assert_eq!(result["rows_read"], exp.rows_read, "rows read");
    assert_eq!(result["total"], exp.total, "people");
    assert_eq!(result["unplaced"], exp.unplaced, "not placed");
    assert_eq!(counts(&result["countries"]), exp.countries, "per country");
    assert_eq!(
        counts(&result["subdivisions"]),
        exp.subdivisions,
        "per state"
    );
    assert_eq!(
        result["issue_count"],
        exp.bad_dates + exp.bad_emails + exp.no_country,
        "problems"
    );
    let dropped = &result["dropped"];
    assert_eq!(dropped["bad_date"].as_u64().unwrap_or(0), exp.bad_dates);
    assert_eq!(dropped["bad_email"].as_u64().unwrap_or(0), exp.bad_emails);
    let list = result["recipients"]
        .as_str()
        .expect("the recipient list's path");
    assert_eq!(recipients(list), exp.recipients, "recipient list");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(list).expect("list").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the recipient list is private");
    }
}

fn window_args() -> [&'static str; 4] {
    ["--from", exports::FROM, "--to", exports::TO]
}

#[test]
fn woocommerce_orders_in_utf8_with_a_bom_card_payments_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    let spec = Spec {
        layout: Layout::WooOrders,
        seed: 7,
        people: 300,
        orders: 900,
        californians: 40,
        card_only: true,
    };
    let (text, exp) = exports::generate(&spec);
    let file = write(dir, "orders.csv", &exports::utf8_bom(&text));
    let mut args = window_args().to_vec();
    args.push("--card-only");
    let r = import_json(dir, &file, &args);
    assert_eq!(r["format"], "woocommerce-orders");
    assert_eq!(r["encoding"], "utf8-bom");
    assert!(r["methods"]["bacs"]["card"] == false && r["methods"]["bacs"]["kept"] == false);
    assert!(r["methods"]["stripe"]["kept"] == true);
    check(&r, &exp);
    assert!(
        exp.total < 300,
        "some people ordered only outside the window or not by card"
    );
}

#[test]
fn shopify_orders_in_excel_utf16_every_payment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    let spec = Spec {
        layout: Layout::ShopifyOrders,
        seed: 11,
        people: 250,
        orders: 700,
        californians: 30,
        card_only: false,
    };
    let (text, exp) = exports::generate(&spec);
    let file = write(dir, "orders_export.csv", &exports::utf16le(&text));
    let r = import_json(dir, &file, &window_args());
    assert_eq!(r["format"], "shopify-orders");
    assert_eq!(r["encoding"], "utf16-le");
    assert!(
        r["dropped"]["same_order"].as_u64().unwrap_or(0) > 0,
        "line items"
    );
    check(&r, &exp);
}

#[test]
fn a_woocommerce_customer_list_in_latin1_counts_every_customer() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    let spec = Spec {
        layout: Layout::WooCustomers,
        seed: 3,
        people: 120,
        orders: 0,
        californians: 10,
        card_only: false,
    };
    let (text, exp) = exports::generate(&spec);
    let file = write(dir, "customers.csv", &exports::latin1(&text));
    let r = import_json(dir, &file, &[]);
    assert_eq!(r["format"], "woocommerce-customers");
    assert_eq!(r["encoding"], "latin1");
    assert_eq!(r["window_applied"], false);
    check(&r, &exp);
    // Names read back in Latin-1 are the generator's.
    let list = recipients(r["recipients"].as_str().expect("path"));
    assert!(
        list.values()
            .any(|(n, _)| n.contains("Müller") || n.contains("Günter"))
    );
    // A window given on the command line cannot apply to a customer list.
    breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .args(window_args())
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no order date"));
}

#[test]
fn any_csv_with_its_columns_named_and_a_payment_method_chosen() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    let spec = Spec {
        layout: Layout::Mapped,
        seed: 5,
        people: 150,
        orders: 400,
        californians: 20,
        card_only: true,
    };
    let (text, exp) = exports::generate(&spec);
    let file = write(dir, "bestellungen.csv", text.as_bytes());
    // Without columns the header is refused, naming its columns.
    breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("Bundesland"));
    let map = write(
        dir,
        "map.yaml",
        b"email: E-Mail\nname: Kunde\ndate: Bestelldatum\norder: Bestellnummer\n",
    );
    let mut args = window_args().to_vec();
    args.extend([
        "--map",
        map.to_str().expect("path"),
        "--column",
        "country=Land",
        "--column",
        "region=Bundesland",
        "--column",
        "payment_method=Zahlungsart",
        "--payment-method",
        "kreditkarte",
    ]);
    let r = import_json(dir, &file, &args);
    assert_eq!(r["format"], "mapped");
    assert_eq!(r["methods"]["Vorkasse"]["kept"], false);
    check(&r, &exp);
}

#[test]
fn the_terminal_shows_no_personal_data_unless_asked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    let spec = Spec {
        layout: Layout::WooOrders,
        seed: 9,
        people: 30,
        orders: 60,
        californians: 5,
        card_only: false,
    };
    let (text, _) = exports::generate(&spec);
    let file = write(dir, "orders.csv", text.as_bytes());
    let out = breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .args(window_args())
        .assert()
        .success();
    let shown = String::from_utf8_lossy(&out.get_output().stdout).to_lowercase();
    assert!(shown.contains("people affected: "), "{shown}");
    assert!(
        shown.contains("woocommerce-orders"),
        "the layout picked is said: {shown}"
    );
    assert!(
        !shown.contains("@shop"),
        "no e-mail address shown:\n{shown}"
    );
    let out = breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .args(window_args())
        .arg("--show")
        .assert()
        .success();
    let shown = String::from_utf8_lossy(&out.get_output().stdout).to_lowercase();
    assert!(shown.contains("customer0@shop0.example"), "{shown}");
}

#[test]
fn the_window_comes_from_the_answers_and_the_counts_answer_the_questions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    for (q, v) in [
        ("investigate/access_started", exports::FROM),
        ("investigate/access_ended", exports::TO),
    ] {
        breach(dir).args(["answer", q, v]).assert().success();
    }
    let spec = Spec {
        layout: Layout::WooOrders,
        seed: 21,
        people: 200,
        orders: 500,
        californians: 25,
        card_only: false,
    };
    let (text, exp) = exports::generate(&spec);
    let file = write(dir, "orders.csv", text.as_bytes());
    let r = import_json(dir, &file, &[]);
    assert!(
        r["window"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("investigate/access_started")),
        "{}",
        r["window"]
    );
    check(&r, &exp);
    let status = status_json(dir);
    let assess = &status["steps"][0]["answers"];
    assert_eq!(assess["affected_customers"], exp.total as f64);
    assert_eq!(assess["ca_residents"], exp.subdivisions["US-CA"] as f64);
    assert_eq!(assess["tx_residents"], exp.subdivisions["US-TX"] as f64);
    assert_eq!(assess["jp_people"], exp.countries["JP"] as f64);
    let places: Vec<&str> = assess["jurisdictions"]
        .as_array()
        .expect("places")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(places, ["DE", "FR", "GB", "JP", "US-CA", "US-NY", "US-TX"]);
    assert_eq!(status["affected"]["total"], exp.total);
    assert_eq!(status["affected"]["imports"], 1);
    // The evidence register holds the export, with the hash the record names.
    let out = breach(dir)
        .args(["evidence", "list", "--json"])
        .assert()
        .success();
    let ev: Value = serde_json::from_slice(&out.get_output().stdout).expect("JSON");
    assert_eq!(ev[0]["sha256"], r["sha256"]);
}

fn status_json(dir: &Path) -> Value {
    let out = breach(dir).args(["status", "--json"]).assert().success();
    serde_json::from_slice(&out.get_output().stdout).expect("JSON")
}

fn ca_ag_state(dir: &Path) -> String {
    let s = status_json(dir);
    s["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["id"] == "california-ag")
        .expect("the California AG deadline")["state"]
        .as_str()
        .expect("state")
        .to_string()
}

#[test]
fn more_than_500_californians_make_the_attorney_general_clock_apply_and_fewer_do_not() {
    // Not every customer ordered by card inside the window: 640 in the store make more than
    // 500 affected, 480 fewer.
    for (californians, applies) in [(640, true), (480, false)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let dir = dir.path();
        open_incident(dir);
        for (q, v) in [
            ("assess/personal_data", "yes"),
            ("assess/encryption", "not_encrypted"),
            (
                "assess/data_types",
                "payment_cards,card_security_codes,contact_details",
            ),
        ] {
            breach(dir).args(["answer", q, v]).assert().success();
        }
        let spec = Spec {
            layout: Layout::ShopifyOrders,
            seed: 99,
            people: 900,
            orders: 1800,
            californians,
            card_only: true,
        };
        let (text, exp) = exports::generate(&spec);
        let file = write(dir, "orders_export.csv", text.as_bytes());
        let mut args = window_args().to_vec();
        args.push("--card-only");
        let r = import_json(dir, &file, &args);
        check(&r, &exp);
        let found = exp.subdivisions["US-CA"];
        assert_eq!(found > 500, applies, "{found} Californians");
        let state = ca_ag_state(dir);
        assert_eq!(
            state != "not_applicable",
            applies,
            "{found} Californians: the California AG clock is {state}"
        );
    }
}

#[test]
fn a_later_answer_replaces_the_import_and_a_later_import_replaces_both() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    let spec = |people, seed| Spec {
        layout: Layout::WooOrders,
        seed,
        people,
        orders: people * 2,
        californians: people / 4,
        card_only: false,
    };
    let (text, first) = exports::generate(&spec(80, 1));
    let file = write(dir, "first.csv", text.as_bytes());
    import_json(dir, &file, &window_args());
    breach(dir)
        .args(["answer", "assess/affected_customers", "5000"])
        .assert()
        .success();
    let s = status_json(dir);
    assert_eq!(s["steps"][0]["answers"]["affected_customers"], 5000.0);
    assert_eq!(s["affected"]["total"], first.total);
    let (text, second) = exports::generate(&spec(40, 2));
    let file = write(dir, "second.csv", text.as_bytes());
    import_json(dir, &file, &window_args());
    let s = status_json(dir);
    assert_eq!(
        s["steps"][0]["answers"]["affected_customers"],
        second.total as f64
    );
    assert_eq!(s["affected"]["imports"], 2);
    assert!(
        s["affected"]["source"]
            .as_str()
            .is_some_and(|p| p.ends_with("second.csv"))
    );
}

#[test]
fn bad_files_are_refused_with_their_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    breach(dir)
        .args(["affected", "import", "missing.csv"])
        .assert()
        .code(4);
    let no_bom: Vec<u8> = "Email,Country / Region\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let file = write(dir, "utf16.csv", &no_bom);
    breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .assert()
        .code(3)
        .stderr(predicates::str::contains(
            "UTF-16 without a byte-order mark",
        ));
    let file = write(dir, "mojibake.csv", b"Email,Name\n\x93a@b.de\x94,x\n");
    breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("--encoding latin1"));
    let file = write(dir, "empty.csv", b"");
    breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no header row"));
    let file = write(dir, "cust.csv", b"Email,Country / Region\na@b.de,DE\n");
    breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .args(["--column", "colour=Email"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("unknown column role"));
    breach(dir)
        .args(["affected", "import"])
        .arg(&file)
        .arg("--card-only")
        .assert()
        .code(3)
        .stderr(predicates::str::contains("no payment method column"));
    // Nothing was recorded by the refused imports.
    assert!(status_json(dir).get("affected").is_none());
}

#[test]
fn one_customer_notice_per_recipient_in_a_private_folder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    open_incident(dir);
    breach(dir)
        .args(["notify", "draft", "customer-notice", "--per-recipient"])
        .assert()
        .code(4)
        .stderr(predicates::str::contains("breach affected import"));
    let spec = Spec {
        layout: Layout::WooOrders,
        seed: 13,
        people: 40,
        orders: 90,
        californians: 6,
        card_only: false,
    };
    let (text, exp) = exports::generate(&spec);
    let file = write(dir, "orders.csv", text.as_bytes());
    let r = import_json(dir, &file, &window_args());
    let out = breach(dir)
        .args(["notify", "draft", "customer-notice", "--per-recipient"])
        .assert()
        .success();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.get_output().stdout),
        String::from_utf8_lossy(&out.get_output().stderr)
    );
    assert!(!said.contains("@shop"), "no address printed: {said}");
    let list = PathBuf::from(r["recipients"].as_str().expect("path"));
    let folder = list
        .parent()
        .expect("evidence folder")
        .join(format!("customer-notice-{}-notices", r["affected_record"]));
    let mut addressed = BTreeMap::new();
    for entry in std::fs::read_dir(&folder).expect("the notices folder") {
        let path = entry.expect("entry").path();
        let body = std::fs::read_to_string(&path).expect("a notice");
        let first = body.lines().next().expect("a To line");
        let email = first
            .rsplit_once('<')
            .map(|(_, e)| e.trim_end_matches('>'))
            .expect("To: name <email>");
        assert!(body.contains("Subject: "), "{body}");
        addressed.insert(email.to_string(), path);
    }
    assert_eq!(
        addressed.keys().cloned().collect::<Vec<_>>(),
        exp.recipients.keys().cloned().collect::<Vec<_>>()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&folder)
            .expect("folder")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    // Never overwritten.
    breach(dir)
        .args(["notify", "draft", "customer-notice", "--per-recipient"])
        .assert()
        .code(6);
}
