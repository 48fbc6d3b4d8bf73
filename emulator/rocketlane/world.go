package rocketlane

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/standin-dev/standin/emulator/fake"
)

const day = 24 * time.Hour

// Custom field types (Rocketlane's names) the generator fills.
const (
	fieldMultipleChoice = "MULTIPLE_CHOICE"
	fieldSingleChoice   = "SINGLE_CHOICE"
	fieldSingleUser     = "SINGLE_USER"
	fieldNumber         = "NUMBER"
	fieldText           = "TEXT"
)

// option is one choice of a choice field.
type option struct {
	Value int
	Label string
	// list is []int{Value}, a multiple choice field's value (shared:
	// read only).
	list []int
}

// options returns the choices labels, valued 1, 2, … in order.
func options(labels ...string) []option {
	out := make([]option, len(labels))
	ids := make([]int, len(labels))
	for i, l := range labels {
		ids[i] = i + 1
		out[i] = option{Value: i + 1, Label: l, list: ids[i : i+1 : i+1]}
	}
	return out
}

// fieldDef is a custom field defined in an account, for tasks or projects.
type fieldDef struct {
	ID      int
	Label   string
	Type    string
	Options []option
}

// account is one Rocketlane account: the services firm that runs its
// customer projects in Rocketlane, its team, the webhook that delivers its
// events, its custom fields and time entry categories. It hands out ids the
// way Rocketlane does (increasing), so entities made from one account never
// share an id. Keep one account per run.
type account struct {
	// firm is the services firm's name and domain its mail domain.
	firm, domain string
	// Team are the firm's people, who own projects and work on tasks.
	Team []user
	// Webhook is the webhook events are delivered through.
	Webhook webhook
	// taskFields and projectFields are the custom fields of tasks and
	// projects. The task fields are those of the doc samples: Region (a
	// multiple choice, an array value) and Release Owner (a user, a number).
	taskFields    [2]fieldDef
	projectFields [4]fieldDef
	// categories are the time entry categories (shared by every account:
	// read only).
	categories []timeEntryCategory
	// team holds Team.
	team [maxTeam]user

	lastUser, lastProject, lastPhase, lastTask, lastCompany int
}

// maxTeam is the largest team of an account.
const maxTeam = 9

// newAccount returns an account with a team of 6 to maxTeam people.
func newAccount(src *fake.Source) *account {
	firm := fake.Pick(src, firms)
	a := &account{
		firm:        firm,
		domain:      domainOf(firm),
		lastUser:    src.ID(100, 4000),
		lastProject: src.ID(100, 3000),
		lastPhase:   src.ID(100, 20000),
		lastTask:    src.ID(200, 90000),
		lastCompany: src.ID(100, 5000),
	}
	n := src.ID(6, maxTeam)
	a.Team = a.team[:0:n]
	for range n {
		a.Team = append(a.Team, a.newUser(src, a.domain))
	}
	a.Webhook = webhook{WebhookID: src.ID(1, 400), WebhookName: fake.Pick(src, webhookNames)}
	fid := src.ID(100, 900)
	a.taskFields = [...]fieldDef{
		{ID: fid, Label: "Region", Type: fieldMultipleChoice, Options: regions},
		{ID: fid + 1, Label: "Release Owner", Type: fieldSingleUser},
	}
	a.projectFields = [...]fieldDef{
		{ID: fid + 2, Label: "Region", Type: fieldMultipleChoice, Options: regions},
		{ID: fid + 3, Label: "Implementation Package", Type: fieldSingleChoice, Options: packages},
		{ID: fid + 4, Label: "Contract Value", Type: fieldNumber},
		{ID: fid + 5, Label: "Salesforce Opportunity", Type: fieldText},
	}
	a.categories = defaultCategories()
	return a
}

// defaultCategories are the time entry categories of every account, built
// once.
var defaultCategories = sync.OnceValue(func() []timeEntryCategory {
	out := make([]timeEntryCategory, len(categories))
	for i, name := range categories {
		out[i] = timeEntryCategory{CategoryID: i + 1, CategoryName: name}
	}
	return out
})

// newUser returns a new user of the account, a person at domain (the firm's
// or a customer's).
func (a *account) newUser(src *fake.Source, domain string) user {
	p := src.Person(domain)
	a.lastUser += src.ID(1, 25)
	return user{EmailID: p.Email, UserID: a.lastUser, FirstName: p.First, LastName: p.Last}
}

// newTaskID returns the next task id.
func (a *account) newTaskID(src *fake.Source) int { a.lastTask += src.ID(1, 12); return a.lastTask }

// newPhaseID returns the next phase id.
func (a *account) newPhaseID(src *fake.Source) int { a.lastPhase += src.ID(1, 6); return a.lastPhase }

// newProjectID returns the next project id.
func (a *account) newProjectID(src *fake.Source) int {
	a.lastProject += src.ID(1, 4)
	return a.lastProject
}

// newCompanyID returns the next company id.
func (a *account) newCompanyID(src *fake.Source) int {
	a.lastCompany += src.ID(1, 9)
	return a.lastCompany
}

// Value returns a value of the field drawn from src; a user field takes one
// of users. withLabel sets FieldValueLabel, which projects carry and the
// task samples do not.
func (d fieldDef) Value(src *fake.Source, users []user, withLabel bool) customField {
	f := customField{FieldID: d.ID, FieldLabel: d.Label}
	switch d.Type {
	case fieldMultipleChoice:
		o := fake.Pick(src, d.Options)
		f.FieldValue, f.FieldValueLabel = o.list, o.Label
	case fieldSingleChoice:
		o := fake.Pick(src, d.Options)
		f.FieldValue, f.FieldValueLabel = o.Value, o.Label
	case fieldSingleUser:
		u := fake.Pick(src, users)
		f.FieldValue, f.FieldValueLabel = u.UserID, u.FirstName+" "+u.LastName
	case fieldNumber:
		n := contractValues()[src.ID(minContract, maxContract)-minContract]
		f.FieldValue, f.FieldValueLabel = n.value, n.label
	default:
		s := zeroPadded("OPP-", src.ID(10000, 999999), 6)
		f.FieldValue, f.FieldValueLabel = s, s
	}
	if !withLabel {
		f.FieldValueLabel = ""
	}
	return f
}

// A Contract Value field holds minContract to maxContract times
// contractStep.
const minContract, maxContract, contractStep = 8, 120, 2500

// contractValue is a Contract Value field's value, boxed, and its label.
type contractValue struct {
	value any
	label string
}

// contractValues are the Contract Values, from the least, made once.
var contractValues = sync.OnceValue(func() []contractValue {
	out := make([]contractValue, 0, maxContract-minContract+1)
	for k := minContract; k <= maxContract; k++ {
		n := k * contractStep
		out = append(out, contractValue{value: n, label: strconv.Itoa(n)})
	}
	return out
})

// newProject returns a customer project created by creator (its owner) at
// createdAt: a customer company with 1 to 3 users, a team of the owner and 2
// to 4 others, status Not started, dates from a few days after creation for
// 2 to 5 months, and the account's project fields.
func newProject(src *fake.Source, a *account, creator user, createdAt time.Time) apiProject {
	company := src.Company()
	domain := domainOf(company)
	customer := companyInfo{CompanyID: a.newCompanyID(src), CompanyName: company, CompanyURL: "https://www." + domain}
	nc := src.ID(1, 3)
	customers := make([]user, 0, nc)
	for range nc {
		customers = append(customers, a.newUser(src, domain))
	}
	others := pickDistinctExcept(src, a.Team, creator.UserID, src.ID(2, 4))
	team := make([]user, 0, 1+len(others))
	team = append(team, creator)
	team = append(team, others...)
	start := dateOf(createdAt).AddDays(src.ID(1, 10))
	p := apiProject{
		ProjectID:   a.newProjectID(src),
		ProjectName: company + " – " + fake.Pick(src, projectKinds),
		StartDate:   start,
		DueDate:     start.AddDays(src.ID(60, 150)),
		CreatedAt:   millisOf(createdAt),
		UpdatedAt:   millisOf(createdAt.Add(src.Duration(5*time.Millisecond, 80*time.Millisecond))),
		Owner:       creator,
		TeamMembers: teamMembers{
			Members:          team,
			Customers:        customers,
			CustomerChampion: ptr(customers[0]),
		},
		Status:           projectNotStarted,
		Customer:         customer,
		PartnerCompanies: []companyInfo{},
		Visibility:       "EVERYONE",
		CreatedBy:        creator,
		UpdatedBy:        creator,
		Currency:         fake.Pick(src, currencies),
		CurrentPhases:    []phaseRef{},
	}
	p.Fields = make([]customField, 0, len(a.projectFields))
	for _, d := range a.projectFields {
		p.Fields = append(p.Fields, d.Value(src, team, true))
	}
	if src.Chance(0.3) {
		p.Visibility = "MEMBERS"
	}
	if src.Chance(0.3) {
		partner := fake.Pick(src, partners)
		p.PartnerCompanies = append(p.PartnerCompanies, companyInfo{CompanyID: a.newCompanyID(src), CompanyName: partner, CompanyURL: "https://www." + domainOf(partner)})
	}
	if src.Chance(0.6) {
		p.ExternalReferenceID = zeroPadded("SF-", src.ID(100000, 999999), 6)
	}
	return p
}

// newPhase returns a phase named name of project, created by creator at
// createdAt, status To do, lasting 1 to 4 weeks within the project's dates.
func newPhase(src *fake.Source, a *account, project apiProject, name string, creator user, createdAt time.Time) apiPhase {
	start, due := project.StartDate, project.DueDate
	if start == "" {
		start = dateOf(createdAt)
	}
	if due == "" {
		due = start.AddDays(90)
	}
	span := max(daysBetween(start, due)-7, 0)
	start = start.AddDays(src.IntN(span + 1))
	end := start.AddDays(src.ID(7, 28))
	if end > due {
		end = due
	}
	return apiPhase{
		PhaseID:   a.newPhaseID(src),
		PhaseName: name,
		Project:   project.Ref(),
		StartDate: start,
		DueDate:   end,
		CreatedAt: millisOf(createdAt),
		UpdatedAt: millisOf(createdAt.Add(src.Duration(5*time.Millisecond, 80*time.Millisecond))),
		CreatedBy: creator,
		UpdatedBy: creator,
		Status:    statusToDo,
		Private:   ptr(src.Chance(0.1)),
	}
}

// newTask returns a task of phase in project, created by creator at
// createdAt: a name that fits the phase, status To do, dates within the
// phase, the account's task fields, the creator as follower, and, drawn from
// src, assignees among the project's team, effort, priority and the other
// optional fields.
func newTask(src *fake.Source, a *account, project apiProject, phase apiPhase, creator user, createdAt time.Time) apiTask {
	names := tasksFor(phase.PhaseName)
	name := fake.Pick(src, names)
	start := phase.StartDate.AddDays(src.IntN(max(daysBetween(phase.StartDate, phase.DueDate), 0) + 1))
	due := start.AddDays(src.IntN(5))
	if due > phase.DueDate {
		due = phase.DueDate
	}
	team := project.TeamMembers.Members
	t := apiTask{
		TaskID:       a.newTaskID(src),
		TaskName:     name.name,
		StartDate:    start,
		DueDate:      due,
		Type:         "TASK",
		CreatedAt:    millisOf(createdAt),
		UpdatedAt:    millisOf(createdAt.Add(src.Duration(5*time.Millisecond, 80*time.Millisecond))),
		CreatedBy:    creator,
		UpdatedBy:    creator,
		Project:      project.Ref(),
		Phase:        phase.Ref(),
		Status:       statusToDo,
		Followers:    members{Members: []user{creator}},
		Dependencies: []taskRef{},
	}
	if name.milestone {
		t.Type = "MILESTONE"
	}
	t.Fields = make([]customField, 0, len(a.taskFields))
	for _, d := range a.taskFields {
		t.Fields = append(t.Fields, d.Value(src, team, false))
	}
	if src.Chance(0.5) {
		t.Assign(fake.Pick(src, team))
	}
	if src.Chance(0.5) {
		t.TaskDescription = fake.Pick(src, descriptions)
	}
	// The optional values the task points to, in one allocation.
	x := new(taskOptionals)
	if src.Chance(0.6) {
		x.effort = src.ID(1, 40) * 30
		t.EffortInMinutes, t.Progress, t.AtRisk = &x.effort, &x.progress, &x.atRisk
	}
	if src.Chance(0.5) {
		x.priority = fake.Pick(src, priorities)
		t.Priority = &x.priority
	}
	if src.Chance(0.4) {
		x.billable = src.Chance(0.7)
		x.category = fake.Pick(src, a.categories)
		t.Billable, t.TimeEntryCategory = &x.billable, &x.category
	}
	if src.Chance(0.3) {
		t.ExternalReferenceID = "IMPL-" + strconv.Itoa(src.ID(100, 9999))
	}
	if src.Chance(0.5) {
		t.Private = &x.private
	}
	return t
}

// taskOptionals holds the values of a new task's optional fields, which
// start as the zero value unless drawn.
type taskOptionals struct {
	effort, progress          int
	atRisk, billable, private bool
	priority                  priority
	category                  timeEntryCategory
}

// Assign adds u to the task's assignees and, as Rocketlane does, to its
// followers.
func (t *apiTask) Assign(u user) {
	if !t.Assignees.Has(u.UserID) {
		t.Assignees.Members = append(t.Assignees.Members, u)
	}
	if !t.Followers.Has(u.UserID) {
		t.Followers.Members = append(t.Followers.Members, u)
	}
}

// renamedTo returns the name a task called name is typically renamed to, and
// whether one is known.
func renamedTo(name string) (string, bool) {
	for _, ts := range tasksByPhase {
		for _, t := range ts.tasks {
			if t.name == name {
				return t.renamed, true
			}
		}
	}
	return "", false
}

// pickDistinctExcept returns n different users of users other than userID
// (all of them when n ≥ their number), in the order src draws them.
func pickDistinctExcept(src *fake.Source, users []user, userID, n int) []user {
	var c []user
	for i, u := range users {
		if u.UserID != userID {
			if c == nil {
				c = make([]user, 0, len(users)-i)
			}
			c = append(c, u)
		}
	}
	n = min(n, len(c))
	for i := range n {
		j := i + src.IntN(len(c)-i)
		c[i], c[j] = c[j], c[i]
	}
	return c[:n]
}

func without(users []user, userID int) []user {
	var out []user
	for _, u := range users {
		if u.UserID != userID {
			out = append(out, u)
		}
	}
	return out
}

// zeroPadded writes n after prefix with at least width digits.
func zeroPadded(prefix string, n, width int) string {
	if n < 0 {
		return fmt.Sprintf("%s%0*d", prefix, width, n)
	}
	var buf [32]byte
	b := append(buf[:0], prefix...)
	w := 1
	for m := n; m >= 10; m /= 10 {
		w++
	}
	for ; w < width; w++ {
		b = append(b, '0')
	}
	return string(strconv.AppendInt(b, int64(n), 10))
}

// domainOf turns a company name into its mail domain: "Margie's Travel" →
// margies-travel.com.
func domainOf(company string) string {
	var buf [64]byte
	b := buf[:0]
	dash := false
	for i := 0; i < len(company); i++ {
		c := company[i]
		if c >= 0x80 {
			return domainOfRunes(company)
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			if dash && len(b) > 0 {
				b = append(b, '-')
			}
			dash = false
			b = append(b, c)
		case c == '\'':
		default:
			dash = true
		}
	}
	return string(append(b, ".com"...))
}

// domainOfRunes is domainOf for names beyond ASCII.
func domainOfRunes(company string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(company) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		case r == '\'':
		default:
			dash = true
		}
	}
	return b.String() + ".com"
}
