//! Generates a synthetic backlog for benchmarks:
//! `cargo run --release --example gen -- DIR ITEMS [SEED] [ERRORS] [--shape mixed|chain|star|bowtie|deep]`.
//! `--shape chain`, `star`, `bowtie` and `deep` write the degenerate graphs of
//! `cairn::gen::Shape` (seed and errors apply only to `mixed`).

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut shape = cairn::gen::Shape::Mixed;
    if let Some(k) = args.iter().position(|a| a == "--shape") {
        let parsed = args.get(k + 1).map(|s| s.parse::<cairn::gen::Shape>());
        match parsed {
            Some(Ok(s)) => shape = s,
            Some(Err(e)) => {
                eprintln!("{e}");
                std::process::exit(2);
            }
            None => {
                eprintln!("--shape needs a value: mixed, chain, star, bowtie or deep");
                std::process::exit(2);
            }
        }
        args.drain(k..k + 2);
    }
    let Some(dir) = args.first() else {
        eprintln!("usage: gen DIR ITEMS [SEED] [ERRORS] [--shape mixed|chain|star|bowtie|deep]");
        std::process::exit(2);
    };
    let num = |i: usize, d: u64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let spec = cairn::gen::Spec { items: num(1, 1000) as usize, seed: num(2, 1), errors: num(3, 0) as usize };
    let files = cairn::gen::shaped(&spec, shape);
    if let Err(e) = cairn::gen::write(std::path::Path::new(dir), &files) {
        eprintln!("cannot write {dir}: {e}");
        std::process::exit(1);
    }
    println!("wrote {} files to {dir}", files.len());
}
