use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn run(text: &str, opts: &Options) -> Outcome {
    import(io::Cursor::new(text.as_bytes().to_vec()), opts, &mut |_| {}).unwrap()
}

const WOO: &str = "order_id,order_date,billing_first_name,billing_last_name,billing_email,billing_state,billing_country,payment_method,payment_method_title
1,2026-11-01 10:00:00,Ann,Lee,ann@example.com,CA,US,stripe,Credit Card (Stripe)
1,2026-11-01 10:00:00,Ann,Lee,ann@example.com,CA,US,stripe,Credit Card (Stripe)
2,2026-11-02 10:00:00,Ann,Lee,ANN@Example.com ,California,US,stripe,Credit Card (Stripe)
3,2026-11-02 11:00:00,Bob,Ray,bob@example.com,TX,US,bacs,Direct bank transfer
4,2026-10-31 23:59:59,Cy,Fox,cy@example.com,TX,US,stripe,Credit Card (Stripe)
5,2026-11-03 09:00:00,Di,Uhl,di@example.de,,Deutschland,stripe,Credit Card (Stripe)
6,31/11/2026,Ed,Ng,ed@example.com,NY,US,stripe,Credit Card (Stripe)
7,2026-11-03 09:00:00,Fay,Oz,not-an-email,NY,US,stripe,Credit Card (Stripe)
8,2026-11-03 09:30:00,Gus,Po,gus@example.com,,Atlantis,stripe,Credit Card (Stripe)
";

#[test]
fn woocommerce_orders_in_the_window_paid_by_card() {
    let opts = Options {
        from: Some(t("2026-11-01T00:00:00Z")),
        to: Some(t("2026-11-05T00:00:00Z")),
        window_given: true,
        card_only: true,
        ..Options::default()
    };
    let o = run(WOO, &opts);
    assert_eq!(o.format, Format::WoocommerceOrders);
    assert_eq!(o.encoding, Encoding::Utf8);
    assert_eq!(o.rows_read, 9);
    // ann (twice: same person, case and spaces differ), di, gus.
    assert_eq!(o.rows_kept, 4);
    assert_eq!(o.total(), 3);
    assert_eq!(o.dropped[&Dropped::SameOrder], 1);
    assert_eq!(o.dropped[&Dropped::PaymentMethod], 1);
    assert_eq!(o.dropped[&Dropped::BeforeWindow], 1);
    assert_eq!(o.dropped[&Dropped::BadDate], 1);
    assert_eq!(o.dropped[&Dropped::BadEmail], 1);
    assert_eq!(o.subdivisions.get("US-CA"), Some(&1));
    assert_eq!(o.countries.get("US"), Some(&1));
    assert_eq!(o.countries.get("DE"), Some(&1));
    assert_eq!(o.unplaced, 1);
    assert_eq!(o.places(), vec!["DE", "US-CA"]);
    let lines: Vec<u64> = o.issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, vec![8, 9, 10]);
    assert!(o.methods["bacs"].orders == 1 && !o.methods["bacs"].card);
    assert!(o.methods["stripe"].card);
    let ann = &o.people[0];
    assert_eq!(
        (ann.email.as_str(), ann.orders, ann.name.as_str()),
        ("ann@example.com", 2, "Ann Lee")
    );
}

#[test]
fn payment_methods_chosen_by_name() {
    let opts = Options {
        payment_methods: vec!["Direct bank transfer".into()],
        ..Options::default()
    };
    let o = run(WOO, &opts);
    assert_eq!(o.total(), 1);
    assert_eq!(o.people[0].email, "bob@example.com");
    assert!(o.methods["bacs"].kept && !o.methods["stripe"].kept);
}

#[test]
fn a_customer_list_has_no_window() {
    let text = "Name,Username,Last active,Email,Orders,Country / Region,City,Region\nAnn Lee,ann,2026-11-01,ann@example.com,2,US,LA,CA\n";
    let given = Options {
        from: Some(t("2026-11-01T00:00:00Z")),
        window_given: true,
        ..Options::default()
    };
    let err = import(
        io::Cursor::new(text.as_bytes().to_vec()),
        &given,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::NoDates("woocommerce-customers")));
    let from_answers = Options {
        from: Some(t("2026-11-01T00:00:00Z")),
        ..Options::default()
    };
    let o = run(text, &from_answers);
    assert!(!o.window_applied);
    assert_eq!(o.subdivisions.get("US-CA"), Some(&1));
    let card = Options {
        card_only: true,
        ..Options::default()
    };
    let err = import(
        io::Cursor::new(text.as_bytes().to_vec()),
        &card,
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(err, ImportError::NoPayments(_)));
}

#[test]
fn dates_as_the_exports_write_them() {
    assert_eq!(
        parse_when("2026-11-02 14:05:09 +0100"),
        Some(When::At(t("2026-11-02T13:05:09Z")))
    );
    assert_eq!(
        parse_when("2026-11-02 14:05:09"),
        Some(When::At(t("2026-11-02T14:05:09Z")))
    );
    assert_eq!(
        parse_when("2026-11-02T14:05:09+02:00"),
        Some(When::At(t("2026-11-02T12:05:09Z")))
    );
    assert!(matches!(parse_when("2026-11-02"), Some(When::Day(_))));
    assert_eq!(parse_when("02/11/2026"), None);
    // A day overlapping the window's edge counts as inside.
    let day = parse_when("2026-10-31").unwrap();
    assert_eq!(day.against(Some(t("2026-10-31T20:00:00Z")), None), None);
    assert_eq!(
        day.against(Some(t("2026-11-01T00:00:00Z")), None),
        Some(Dropped::BeforeWindow)
    );
}

#[test]
fn emails_and_card_methods() {
    assert!(valid_email("a.b+c@shop.example"));
    for bad in [
        "", "a", "a@b", "@b.de", "a@@b.de", "a b@c.de", "a@.de", "a@b.de.",
    ] {
        assert!(!valid_email(bad), "{bad}");
    }
    for card in [
        "stripe",
        "Shopify Payments",
        "Credit Card (Stripe)",
        "woocommerce_payments",
    ] {
        assert!(is_card(card), "{card}");
    }
    for other in [
        "bacs",
        "cod",
        "PayPal Express Checkout",
        "Gift Card",
        "Manual",
        "Bank Deposit",
    ] {
        assert!(!is_card(other), "{other}");
    }
}

#[test]
fn the_first_twenty_issues_are_kept_and_all_counted() {
    let mut text = String::from("E-Mail,Land\n");
    for _ in 0..30 {
        text.push_str("broken,DE\n");
    }
    text.push_str("ok@example.de,DE\n");
    let mut m = Mapping::default();
    m.0.insert(Role::Email, "E-Mail".into());
    m.0.insert(Role::Country, "Land".into());
    let o = run(
        &text,
        &Options {
            mapping: Some(m),
            ..Options::default()
        },
    );
    assert_eq!(o.format, Format::Mapped);
    assert_eq!(o.issue_count, 30);
    assert_eq!(o.issues.len(), ISSUES_KEPT);
    assert_eq!(o.issues[0].line, 2);
    assert_eq!(o.issues[19].line, 21);
    assert_eq!((o.rows_read, o.rows_kept, o.total()), (31, 1, 1));
}

#[test]
fn progress_reaches_the_file_size() {
    let mut seen = 0;
    import(
        io::Cursor::new(WOO.as_bytes().to_vec()),
        &Options::default(),
        &mut |n| seen = n,
    )
    .unwrap();
    assert_eq!(seen, WOO.len() as u64);
}
