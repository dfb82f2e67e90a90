//! Generates a synthetic backlog for benchmarks:
//! `cargo run --release --example gen -- DIR ITEMS [SEED] [ERRORS]`.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first() else {
        eprintln!("usage: gen DIR ITEMS [SEED] [ERRORS]");
        std::process::exit(2);
    };
    let num = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let spec = cairn::gen::Spec { items: num(1, 1000) as usize, seed: num(2, 1), errors: num(3, 0) as usize };
    let files = cairn::gen::generate(&spec);
    if let Err(e) = cairn::gen::write(std::path::Path::new(dir), &files) {
        eprintln!("cannot write {dir}: {e}");
        std::process::exit(1);
    }
    println!("wrote {} files to {dir}", files.len());
}
