// mimalloc: loading builds ~15 small allocations per item on two threads;
// measured faster and leaner than the system allocator (BENCHMARKS.md).
// Its settings are in `cairn::util::alloc`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cairn::util::alloc::startup();
    cairn::cli::main()
}
