//! Writes the seed corpus of every target into `corpus/<target>/`.
fn main() {
    for (name, _) in mamoru::fuzz::TARGETS {
        let dir = std::path::Path::new("corpus").join(name);
        std::fs::create_dir_all(&dir).expect("corpus folder");
        for (i, seed) in mamoru::fuzz::seeds(name).iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{i}")), seed).expect("seed file");
        }
    }
}
