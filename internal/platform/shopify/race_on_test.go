//go:build race

package shopify_test

// raceDetector is true when the tests run with -race: heap measurements then include the
// detector's own bookkeeping and large catalogs take minutes.
const raceDetector = true
