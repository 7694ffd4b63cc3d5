package backoffice

// The sample data of SeedDemo: a promotional-products distributor's back office.

var demoLists = []PutListItemParams{
	{List: ListCommissionCodes, Code: "STD", Name: "Standard dropship (10%)", Kind: KindDropship},
	{List: ListCommissionCodes, Code: "HOUSE", Name: "House account (0%)", Kind: KindDropship},
	{List: ListCommissionCodes, Code: "STORE", Name: "Company store (6%)", Kind: KindStore},
	{List: ListCardTypes, Code: "visa", Name: "Visa"},
	{List: ListCardTypes, Code: "mastercard", Name: "Mastercard"},
	{List: ListCardTypes, Code: "amex", Name: "American Express"},
	{List: ListPaymentTypes, Code: "credit_card", Name: "Credit card"},
	{List: ListPaymentTypes, Code: "check", Name: "Check"},
	{List: ListPaymentTypes, Code: "ach", Name: "ACH transfer"},
	{List: ListPaymentTerms, Code: "prepaid", Name: "Prepaid"},
	{List: ListPaymentTerms, Code: "net30", Name: "Net 30"},
	{List: ListAdjustmentTypes, Code: "bad_debt", Name: "Bad debt"},
	{List: ListAdjustmentTypes, Code: "cc_surcharge", Name: "Credit card surcharge"},
	{List: ListSuppliers, Code: "sanmar", Name: "SanMar"},
	{List: ListSuppliers, Code: "alphabroder", Name: "alphabroder"},
	{List: ListSuppliers, Code: "ssactivewear", Name: "S&S Activewear"},
	{List: ListProductIndices, Code: "apparel", Name: "Apparel"},
	{List: ListProductIndices, Code: "headwear", Name: "Headwear"},
	{List: ListProductIndices, Code: "drinkware", Name: "Drinkware"},
}

var demoContacts = []struct {
	kind Kind
	in   ContactInput
}{
	{KindDropship, ContactInput{Type: ContactClient, Name: "Maria Gonzalez", Company: "Lakeside Rowing Club", Email: "maria@lakesiderowing.example",
		Phone: "+1 512 555 0101", Address: Address{Line1: "400 Lakeshore Dr", City: "Austin", State: "TX", PostalCode: "78704", Country: "US"},
		ClientGroupID: "clubs", PaymentTerms: "prepaid"}},
	{KindDropship, ContactInput{Type: ContactClient, Name: "James Whitaker", Company: "Whitaker Dental Group", Email: "james@whitakerdental.example",
		Phone: "+1 303 555 0142", Address: Address{Line1: "1200 17th St", City: "Denver", State: "CO", PostalCode: "80202", Country: "US"},
		ClientGroupID: "healthcare", PaymentTerms: "net30"}},
	{KindDropship, ContactInput{Type: ContactClient, Name: "Priya Raman", Company: "Northwind Robotics", Email: "priya@northwind.example",
		Phone: "+1 206 555 0177", Address: Address{Line1: "88 Pine St", City: "Seattle", State: "WA", PostalCode: "98101", Country: "US"},
		ClientGroupID: "corporate", PaymentTerms: "net30"}},
	{KindDropship, ContactInput{Type: ContactClient, Name: "Tom Becker", Company: "Becker Family Farms", Email: "tom@beckerfarms.example",
		Phone: "+1 515 555 0190", Address: Address{Line1: "2900 County Rd 12", City: "Ames", State: "IA", PostalCode: "50010", Country: "US"},
		ClientGroupID: "agriculture", PaymentTerms: "prepaid"}},
	{KindDropship, ContactInput{Type: ContactProspect, Name: "Alicia Chen", Company: "Harbor Credit Union", Email: "alicia@harborcu.example",
		Phone: "+1 617 555 0133", Address: Address{Line1: "1 Harbor Way", City: "Boston", State: "MA", PostalCode: "02110", Country: "US"},
		ClientGroupID: "corporate"}},
	{KindDropship, ContactInput{Type: ContactClient, Name: "Derek Osei", Company: "Riverside High Athletics", Email: "dosei@riversidehs.example",
		Phone: "+1 614 555 0158", Address: Address{Line1: "75 School St", City: "Columbus", State: "OH", PostalCode: "43215", Country: "US"},
		ClientGroupID: "schools", PaymentTerms: "net30"}},
	{KindStore, ContactInput{Type: ContactClient, Name: "Acme Merch Store", Company: "Acme Merch Store", Email: "orders@acmemerch.example",
		Phone: "+1 415 555 0100", Address: Address{Line1: "500 Market St", City: "San Francisco", State: "CA", PostalCode: "94105", Country: "US"},
		ClientGroupID: "stores", StoreID: "PRODIGY-1001", PaymentTerms: "prepaid"}},
	{KindStore, ContactInput{Type: ContactClient, Name: "Summit Outfitters Team Store", Company: "Summit Outfitters", Email: "store@summitoutfitters.example",
		Phone: "+1 801 555 0166", Address: Address{Line1: "10 Canyon Rd", City: "Salt Lake City", State: "UT", PostalCode: "84101", Country: "US"},
		ClientGroupID: "stores", StoreID: "PRODIGY-1002", PaymentTerms: "prepaid"}},
}

var demoProducts = []struct {
	ref, sku, name string
	price          int64
}{
	{"gid://demo/Product/5000", "G5000", "Gildan 5000 Heavy Cotton T-Shirt", 895},
	{"gid://demo/Product/K500", "K500", "Port Authority K500 Silk Touch Polo", 2450},
	{"gid://demo/Product/112", "R112", "Richardson 112 Trucker Cap", 1675},
	{"gid://demo/Product/ST350", "ST350", "Sport-Tek ST350 PosiCharge Competitor Tee", 1125},
	{"gid://demo/Product/CT1040", "CT104050", "Carhartt Midweight Hooded Sweatshirt", 5890},
	{"gid://demo/Product/YR20", "YR20", "Rambler 20 oz Tumbler", 3200},
	{"gid://demo/Product/TOTE", "BE008", "BAGedge 12 oz Canvas Tote", 725},
}

var demoSizes = []string{"M", "L", "XL"}

var demoDecorations = []Decoration{
	{DesignName: "Club crest", Location: "Left chest", Method: "Embroidery", Supplier: "Stitch & Co"},
	{DesignName: "Team name arc", Location: "Full front", Method: "Screen print", Supplier: "InkWorks"},
	{DesignName: "Logo 2026", Location: "Front panel", Method: "Embroidered patch", Supplier: "Stitch & Co"},
	{DesignName: "Wordmark", Location: "Wrap", Method: "Laser engraving", Supplier: "Etchpoint"},
	{DesignName: "Sponsor block", Location: "Back yoke", Method: "DTG", Supplier: "InkWorks"},
}

var demoSuppliers = []string{"sanmar", "alphabroder", "ssactivewear"}

var demoIndices = []string{"apparel", "headwear", "drinkware"}

var demoOccasions = []string{"staff uniforms", "spring tournament", "trade show kit", "volunteer shirts",
	"holiday gifts", "new-hire welcome pack", "summer camp"}
