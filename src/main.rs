//! The `breach` binary: a thin shell around [`breach::run`].

fn main() -> std::process::ExitCode {
    breach::main_entry()
}
