// Package feed parses supplier feeds: the stock and price files a merchant's suppliers publish as
// CSV, XLSX or JSON, by HTTPS URL or upload. It is the reading half of a feed sync: Parse streams
// a feed row by row, turns each row into a Row through a Mapping and Rules, hands accepted rows to
// a callback and returns a Report of what it read, accepted and refused and why. It touches no
// database and keeps no row after the callback returns, so a feed of a million rows parses in
// memory bounded by the limits below (plus one small entry per identifier, to find duplicates).
//
// # Formats
//
//   - CSV: a header row, then one row per item. The delimiter (comma, semicolon or tab) is the
//     one the header line uses most, outside quotes; a UTF-8 byte order mark is dropped; fields
//     may be quoted (RFC 4180). A malformed row (a stray quote, a row over the limits) is refused
//     and reading goes on with the next line.
//   - XLSX: the first sheet, or the one Mapping.Sheet names, read with excelize's streaming row
//     iterator. A workbook is a zip file and needs random access, so a reader that is not a file
//     is copied to a temporary file first, up to MaxXLSXBytes. The header is the first non-blank
//     row; lines are the sheet's row numbers. Cells are read as stored (a price is "19.99", not the
//     "$19.99" its number format shows).
//   - JSON: a top-level array of objects, or NDJSON (one object per line), decoded token by token.
//     Values may be strings or numbers (null is an empty cell); an object or array in a mapped
//     field refuses the row. The first object's keys are the header. A malformed NDJSON line is
//     refused and the next line read; a malformed array is an error, as nothing after it can be
//     trusted.
//
// Detect tells the format from a file name, a content type or the first bytes.
//
// # Mapping and rules
//
// A Mapping names the header text of each column (matched ignoring case and spaces): sku and/or
// barcode (one is required), quantity, price, cost and title, and the currency that price and cost
// are in. Amounts become int64 minor units by internal/money's rules: an amount with more decimals
// than its currency has is refused, never rounded. Mapping.Validate checks a mapping on its own;
// Parse also refuses a mapping whose columns the feed's header lacks, naming the column and
// listing the header.
//
// Rules adjust quantities: negative quantities become 0 (counted in Report.Clamped), then
// QuantityMultiplier (a decimal such as "0.5", rounded down) and QuantityCap apply. Rules.Missing
// says what the caller should do with items the feed does not list ("leave" or "zero"); the parser
// only carries it into the Report, because only the caller knows its items.
//
// # Report
//
// Every data row read is either accepted (fn is called with it) or refused, so Read == Accepted +
// Refused. A refused row has a reason naming the field, its column and the value, such as
// `quantity "12x" is not a whole number`; the first MaxRefusedKept are kept in Report.RefusedRows.
// Blank rows are skipped and not counted. A row whose identifier (its SKU, or its barcode when the
// row has no SKU) was already seen is a duplicate: the first row wins, and the later one is refused
// and counted in Report.Duplicates. A broken file (not the format at all, a truncated zip, a row
// over MaxRecordBytes) is an error naming the format and the line or offset, with the Report of
// the rows before it.
package feed
