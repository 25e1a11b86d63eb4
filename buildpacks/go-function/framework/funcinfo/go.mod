// kiln-funcinfo is its own module, standard library only, so building the buildpack
// (build.rs) never needs a module download.
module kiln.dev/go-function/funcinfo

go 1.22
