//! Writes a realistic store export for the `breach affected import` benchmark
//! (bench/affected.sh): `cargo run --release --example gen_export -- LAYOUT ROWS FILE`,
//! LAYOUT one of `woocommerce-orders`, `shopify-orders`. The export is the one the
//! end-to-end tests read (tests/common/exports.rs): repeat customers, case-different
//! e-mail addresses, orders just outside the window, non-card payments, states as codes and
//! names, a few broken rows. It prints what an import must find.

#[path = "../tests/common/exports.rs"]
#[allow(dead_code, reason = "the benchmark uses only the generator")]
mod exports;

use exports::{Layout, Spec};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(layout), Some(orders), Some(path)) = (args.get(1), args.get(2), args.get(3)) else {
        eprintln!("usage: gen_export woocommerce-orders|shopify-orders ROWS FILE");
        std::process::exit(2);
    };
    let layout = match layout.as_str() {
        "woocommerce-orders" => Layout::WooOrders,
        "shopify-orders" => Layout::ShopifyOrders,
        other => {
            eprintln!("unknown layout {other}");
            std::process::exit(2);
        }
    };
    let Ok(rows) = orders.parse::<usize>() else {
        eprintln!("ROWS must be a number");
        std::process::exit(2);
    };
    // A fifth of the orders have a second line item (a row of its own): 5 orders make about
    // 6 rows.
    let orders = (rows * 5 / 6).max(1);
    let people = (orders / 3).max(1);
    let spec = Spec {
        layout,
        seed: 42,
        people,
        orders,
        californians: people / 5,
        card_only: true,
    };
    let (text, exp) = exports::generate(&spec);
    if let Err(e) = std::fs::write(path, text) {
        eprintln!("cannot write {path}: {e}");
        std::process::exit(1);
    }
    println!(
        "{path}: {} rows; with --card-only inside {}..{}: {} people, {} not placed, US-CA {}",
        exp.rows_read,
        exports::FROM,
        exports::TO,
        exp.total,
        exp.unplaced,
        exp.subdivisions.get("US-CA").copied().unwrap_or(0)
    );
}
