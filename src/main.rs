//! The `rapport` binary: a thin shell around [`rapport::cli`].

fn main() -> std::process::ExitCode {
    rapport::cli::main()
}
