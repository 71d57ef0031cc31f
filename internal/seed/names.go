package seed

// The vocabularies of the synthetic data: common names from many countries, so that
// searches meet the mix of prefixes and substrings that a real register holds.

var givenNames = []string{
	"Maria", "Jose", "Ana", "Juan", "Luis", "Carmen", "Sofia", "Mateo", "Lucia", "Diego",
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
	"David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
	"Mohammed", "Fatima", "Ahmed", "Aisha", "Omar", "Layla", "Yusuf", "Zainab", "Ali", "Mariam",
	"Wei", "Li", "Jing", "Hao", "Mei", "Chen", "Yan", "Ming", "Xin", "Lan",
	"Hiroshi", "Yuki", "Haruto", "Sakura", "Kenji", "Aiko", "Priya", "Arjun", "Ananya", "Rahul",
	"Olga", "Ivan", "Natalia", "Dmitri", "Elena", "Sergei", "Anna", "Pavel", "Irina", "Nikolai",
	"Emma", "Liam", "Olivia", "Noah", "Amelia", "Oliver", "Isla", "Jack", "Ava", "Harry",
	"Lukas", "Lena", "Jonas", "Hannah", "Felix", "Mia", "Leon", "Clara", "Paul", "Greta",
	"Chidi", "Ngozi", "Kwame", "Amara", "Tunde", "Zuri", "Kofi", "Ayana", "Jabari", "Nia",
	"Marie", "Pierre", "Camille", "Louis", "Chloe", "Hugo", "Ines", "Jules", "Lea", "Arthur",
	"Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo", "Sara", "Andrea", "Elisa", "Pietro",
}

var familyNames = []string{
	"Garcia", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Perez", "Sanchez", "Ramirez", "Torres",
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
	"Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
	"Khan", "Hassan", "Hussein", "Rahman", "Abdullah", "Haddad", "Mansour", "Nasser", "Saleh", "Karimi",
	"Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
	"Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Patel", "Sharma", "Singh", "Kumar", "Gupta",
	"Ivanov", "Smirnova", "Kuznetsov", "Popova", "Sokolov", "Petrova", "Novak", "Kowalski", "Horvat", "Nowak",
	"Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
	"Okafor", "Adeyemi", "Mensah", "Owusu", "Nwosu", "Abiodun", "Mwangi", "Otieno", "Banda", "Dlamini",
	"Dubois", "Moreau", "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "Fournier", "Girard",
	"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
	"Silva", "Santos", "Oliveira", "Souza", "Costa", "Pereira", "Almeida", "Ferreira", "Carvalho", "Gomes",
}

var emailDomains = []string{"example.com", "example.org", "example.net", "mail.example", "post.example"}

var streets = []string{"Main", "Oak", "Maple", "Cedar", "Elm", "High", "Station", "Church", "Park", "Mill", "River", "Hill"}
var streetKinds = []string{"Street", "Road", "Avenue", "Lane", "Way", "Close"}
var cities = []string{"Springfield", "Riverton", "Lakeside", "Fairview", "Georgetown", "Ashford", "Kingsbury", "Milton"}

// bloodGroupWeights is roughly how often each group occurs, in tenths of a percent.
var bloodGroupWeights = []struct {
	group  string
	weight int
}{{"O+", 380}, {"A+", 340}, {"B+", 90}, {"AB+", 30}, {"O-", 70}, {"A-", 60}, {"B-", 20}, {"AB-", 10}}

var specialties = []string{"General practice", "Internal medicine", "Paediatrics", "Cardiology", "Dermatology", "Orthopaedics"}

var reasons = []string{
	"Annual check-up", "Follow-up visit", "Blood test results", "Vaccination", "Persistent cough",
	"Back pain", "Headache", "Skin rash", "Blood pressure review", "Diabetes review",
	"Prescription renewal", "Allergy consultation", "Knee pain", "Fatigue", "Pre-operative assessment",
}

var diagnoses = []struct{ diagnosis, prescription string }{
	{"Essential hypertension", "Amlodipine 5 mg once daily"},
	{"Type 2 diabetes mellitus", "Metformin 500 mg twice daily"},
	{"Acute upper respiratory infection", "Rest, fluids, paracetamol as needed"},
	{"Seasonal influenza", "Oseltamivir 75 mg twice daily for 5 days"},
	{"Asthma, mild persistent", "Budesonide inhaler 200 mcg twice daily"},
	{"Iron deficiency anaemia", "Ferrous sulfate 200 mg once daily"},
	{"Low back pain", "Ibuprofen 400 mg three times daily with food"},
	{"Migraine without aura", "Sumatriptan 50 mg at onset"},
	{"Hypothyroidism", "Levothyroxine 50 mcg once daily"},
	{"Gastro-oesophageal reflux disease", "Omeprazole 20 mg once daily"},
	{"Allergic rhinitis", "Cetirizine 10 mg once daily"},
	{"Urinary tract infection", "Nitrofurantoin 100 mg twice daily for 5 days"},
	{"Atopic dermatitis", "Emollient twice daily; hydrocortisone 1% cream"},
	{"Hyperlipidaemia", "Atorvastatin 20 mg at night"},
	{"Major depressive disorder, single episode", "Sertraline 50 mg once daily"},
	{"Osteoarthritis of the knee", "Paracetamol 1 g up to four times daily; physiotherapy"},
	{"Vitamin D deficiency", "Colecalciferol 1000 IU once daily"},
	{"Acute otitis media", "Amoxicillin 500 mg three times daily for 5 days"},
}

var recordNotes = []string{
	"Patient advised to return if symptoms persist.",
	"Reviewed in clinic; condition stable.",
	"Referred for further tests.",
	"Lifestyle advice given.",
	"Follow-up in three months.",
}
