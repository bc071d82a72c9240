package deploy

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	enums "go.temporal.io/api/enums/v1"

	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/internal/devserver"
)

const root = "../.."

// Service names the rest of the repo (README, scripts) refers to.
const (
	svcPostgres = "postgresql"
	svcSchema   = "temporal-schema"
	svcTemporal = "temporal"
	svcSetup    = "temporal-setup"
	svcUI       = "temporal-ui"
	svcWorker   = "worker"
)

func loadProject(t *testing.T) *types.Project {
	t.Helper()
	wd, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	// WithEnv(nil) instead of the OS environment: the test checks the
	// defaults the file ships with, whatever the machine exports.
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(wd, "docker-compose.yml")},
		cli.WithWorkingDirectory(wd),
		cli.WithEnv(nil),
		cli.WithInterpolation(true),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %q: %v (services: %v)", name, err, p.ServiceNames())
	}
	return s
}

func env(s types.ServiceConfig, key string) string {
	if v := s.Environment[key]; v != nil {
		return *v
	}
	return ""
}

// script is everything a service runs, for checks on one-shot jobs.
func script(s types.ServiceConfig) string {
	return strings.Join(append(slices.Clone(s.Entrypoint), s.Command...), "\n")
}

func exposes(s types.ServiceConfig, port string) bool {
	for _, p := range s.Ports {
		if fmt.Sprint(p.Target) == port {
			return true
		}
	}
	for _, e := range s.Expose {
		if e == port {
			return true
		}
	}
	return false
}

func dependsOn(t *testing.T, s types.ServiceConfig, on, condition string) {
	t.Helper()
	d, ok := s.DependsOn[on]
	if !ok {
		t.Errorf("%s does not depend on %s (depends on %v)", s.Name, on, s.DependsOn)
		return
	}
	if d.Condition != condition {
		t.Errorf("%s depends on %s with condition %q, want %q", s.Name, on, d.Condition, condition)
	}
}

func TestComposeServices(t *testing.T) {
	p := loadProject(t)
	for _, name := range []string{svcPostgres, svcSchema, svcTemporal, svcSetup, svcUI, svcWorker} {
		service(t, p, name)
	}

	pg := service(t, p, svcPostgres)
	if !strings.HasPrefix(pg.Image, "postgres:16") {
		t.Errorf("postgresql image %q, want postgres:16", pg.Image)
	}

	schema := service(t, p, svcSchema)
	if !strings.HasPrefix(schema.Image, "temporalio/admin-tools:") {
		t.Errorf("%s image %q", svcSchema, schema.Image)
	}
	dependsOn(t, schema, svcPostgres, types.ServiceConditionHealthy)
	if env(schema, "SQL_HOST") != svcPostgres || env(schema, "SQL_PLUGIN") != "postgres12" {
		t.Errorf("%s: SQL_HOST=%q SQL_PLUGIN=%q", svcSchema, env(schema, "SQL_HOST"), env(schema, "SQL_PLUGIN"))
	}
	for _, db := range []string{"temporal", "temporal_visibility"} {
		if !regexp.MustCompile(`--db ` + db + ` update-schema`).MatchString(script(schema)) {
			t.Errorf("%s does not update the schema of database %s", svcSchema, db)
		}
	}

	temporal := service(t, p, svcTemporal)
	if !strings.HasPrefix(temporal.Image, "temporalio/server:") {
		t.Errorf("temporal image %q", temporal.Image)
	}
	dependsOn(t, temporal, svcPostgres, types.ServiceConditionHealthy)
	dependsOn(t, temporal, svcSchema, types.ServiceConditionCompletedSuccessfully)
	if got := env(temporal, "DB"); got != "postgres12" {
		t.Errorf("temporal DB=%q, want postgres12", got)
	}
	if got := env(temporal, "POSTGRES_SEEDS"); got != svcPostgres {
		t.Errorf("temporal POSTGRES_SEEDS=%q, want %s", got, svcPostgres)
	}
	if env(temporal, "POSTGRES_PWD") != env(pg, "POSTGRES_PASSWORD") || env(temporal, "POSTGRES_USER") != env(pg, "POSTGRES_USER") {
		t.Errorf("temporal's database credentials differ from postgresql's")
	}
	if !exposes(temporal, "7233") {
		t.Errorf("temporal does not expose 7233")
	}
	// The dynamic config file the server is told to read is mounted.
	dc := env(temporal, "DYNAMIC_CONFIG_FILE_PATH")
	if !slices.ContainsFunc(temporal.Configs, func(c types.ServiceConfigObjConfig) bool { return c.Target == dc }) {
		t.Errorf("temporal DYNAMIC_CONFIG_FILE_PATH=%q is not mounted (configs %v)", dc, temporal.Configs)
	}

	ui := service(t, p, svcUI)
	if !strings.HasPrefix(ui.Image, "temporalio/ui:") {
		t.Errorf("ui image %q", ui.Image)
	}
	if got := env(ui, "TEMPORAL_ADDRESS"); got != "temporal:7233" {
		t.Errorf("ui TEMPORAL_ADDRESS=%q, want temporal:7233", got)
	}
	dependsOn(t, ui, svcTemporal, types.ServiceConditionHealthy)
	if !slices.ContainsFunc(ui.Ports, func(p types.ServicePortConfig) bool { return p.Published == "8233" && p.Target == 8080 }) {
		t.Errorf("ui ports %+v, want 8233->8080", ui.Ports)
	}

	// Every health condition waits on a service that has a health check.
	for _, s := range p.Services {
		for on, d := range s.DependsOn {
			if d.Condition == types.ServiceConditionHealthy {
				if hc := p.Services[on].HealthCheck; hc == nil || len(hc.Test) == 0 || hc.Disable {
					t.Errorf("%s waits for %s to be healthy, but %s has no health check", s.Name, on, on)
				}
			}
		}
	}
}

func TestComposeWorker(t *testing.T) {
	p := loadProject(t)
	w := service(t, p, svcWorker)
	wd, _ := filepath.Abs(root)

	if w.Build == nil {
		t.Fatal("worker has no build section")
	}
	if ctx := w.Build.Context; filepath.Clean(ctx) != wd {
		t.Errorf("worker build context %q, want the repository root %q", ctx, wd)
	}
	if df := w.Build.Dockerfile; df != "Dockerfile" && filepath.Clean(df) != filepath.Join(wd, "Dockerfile") {
		t.Errorf("worker dockerfile %q, want Dockerfile", df)
	}

	addr := env(w, "TEMPORAL_ADDRESS")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("worker TEMPORAL_ADDRESS=%q: %v", addr, err)
	}
	if host != svcTemporal {
		t.Errorf("worker TEMPORAL_ADDRESS host %q, want service %q", host, svcTemporal)
	}
	if !exposes(service(t, p, svcTemporal), port) {
		t.Errorf("worker TEMPORAL_ADDRESS port %s is not a port of the temporal service", port)
	}
	if got := env(w, "TEMPORAL_NAMESPACE"); got != "default" {
		t.Errorf("worker TEMPORAL_NAMESPACE=%q, want default", got)
	}
	if got := env(service(t, p, svcSetup), "TEMPORAL_NAMESPACE"); got != env(w, "TEMPORAL_NAMESPACE") {
		t.Errorf("%s sets up namespace %q, the worker uses %q", svcSetup, got, env(w, "TEMPORAL_NAMESPACE"))
	}
	dependsOn(t, w, svcTemporal, types.ServiceConditionHealthy)
	dependsOn(t, w, svcSetup, types.ServiceConditionCompletedSuccessfully)

	// Rules: ./rules/examples mounted where AFTERSALE_RULES_DIR points.
	rulesDir := env(w, "AFTERSALE_RULES_DIR")
	if rulesDir != "/etc/aftersale/rules" {
		t.Errorf("worker AFTERSALE_RULES_DIR=%q", rulesDir)
	}
	if !slices.ContainsFunc(w.Volumes, func(v types.ServiceVolumeConfig) bool {
		return v.Type == types.VolumeTypeBind && v.Target == rulesDir && filepath.Clean(v.Source) == filepath.Join(wd, "rules", "examples")
	}) {
		t.Errorf("worker does not mount ./rules/examples at %s (volumes %+v)", rulesDir, w.Volumes)
	}

	// Config: the file AFTERSALE_CONFIG names is mounted and is a valid
	// worker config consistent with the environment.
	cfgPath := env(w, "AFTERSALE_CONFIG")
	if cfgPath != "/etc/aftersale/config.yaml" {
		t.Errorf("worker AFTERSALE_CONFIG=%q", cfgPath)
	}
	i := slices.IndexFunc(w.Configs, func(c types.ServiceConfigObjConfig) bool { return c.Target == cfgPath })
	if i < 0 {
		t.Fatalf("worker does not mount a config at %s (configs %+v)", cfgPath, w.Configs)
	}
	obj, ok := p.Configs[w.Configs[i].Source]
	if !ok {
		t.Fatalf("config %q is not defined", w.Configs[i].Source)
	}
	content := obj.Content
	if content == "" && obj.File != "" {
		data, err := os.ReadFile(obj.File)
		if err != nil {
			t.Fatal(err)
		}
		content = string(data)
	}
	file := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "AFTERSALE_RULES_DIR"} {
		t.Setenv(k, "") // config.Load applies these; read the file alone
	}
	cfg, err := config.Load(file)
	if err != nil {
		t.Fatalf("worker config from docker-compose.yml does not load: %v\n%s", err, content)
	}
	if cfg.Temporal.Address != addr || cfg.Temporal.Namespace != env(w, "TEMPORAL_NAMESPACE") || cfg.RulesDir != rulesDir {
		t.Errorf("worker config (temporal %s/%s, rules %s) disagrees with its environment (%s/%s, %s)",
			cfg.Temporal.Address, cfg.Temporal.Namespace, cfg.RulesDir, addr, env(w, "TEMPORAL_NAMESPACE"), rulesDir)
	}
}

// cliType is the temporal CLI's name for a search attribute type.
var cliType = map[enums.IndexedValueType]string{
	enums.INDEXED_VALUE_TYPE_TEXT:         "Text",
	enums.INDEXED_VALUE_TYPE_KEYWORD:      "Keyword",
	enums.INDEXED_VALUE_TYPE_INT:          "Int",
	enums.INDEXED_VALUE_TYPE_DOUBLE:       "Double",
	enums.INDEXED_VALUE_TYPE_BOOL:         "Bool",
	enums.INDEXED_VALUE_TYPE_DATETIME:     "Datetime",
	enums.INDEXED_VALUE_TYPE_KEYWORD_LIST: "KeywordList",
}

func TestComposeSearchAttributes(t *testing.T) {
	p := loadProject(t)
	setup := service(t, p, svcSetup)
	if !strings.HasPrefix(setup.Image, "temporalio/admin-tools:") {
		t.Errorf("%s image %q", svcSetup, setup.Image)
	}
	dependsOn(t, setup, svcTemporal, types.ServiceConditionHealthy)
	sh := script(setup)
	if got := env(setup, "TEMPORAL_ADDRESS"); got != "temporal:7233" {
		t.Errorf("%s TEMPORAL_ADDRESS=%q", svcSetup, got)
	}

	created := map[string]string{}
	re := regexp.MustCompile(`temporal operator search-attribute create\b[^\n]*?--name\s+(\w+)\s+--type\s+(\w+)`)
	for _, m := range re.FindAllStringSubmatch(sh, -1) {
		created[m[1]] = m[2]
	}
	if len(devserver.SearchAttributes) != 7 {
		t.Errorf("devserver.SearchAttributes has %d entries, DESIGN §4 names 7", len(devserver.SearchAttributes))
	}
	for name, typ := range devserver.SearchAttributes {
		got, ok := created[name]
		switch {
		case !ok:
			t.Errorf("search attribute %s is not created by %s", name, svcSetup)
		case got != cliType[typ]:
			t.Errorf("search attribute %s is created as %s, devserver registers %s", name, got, cliType[typ])
		}
	}
	for name := range created {
		if _, ok := devserver.SearchAttributes[name]; !ok {
			t.Errorf("%s creates search attribute %s that devserver.SearchAttributes does not know", svcSetup, name)
		}
	}
	if !strings.Contains(sh, "temporal operator namespace create") {
		t.Errorf("%s does not create the namespace", svcSetup)
	}
}

type dockerInstr struct {
	line      int
	cmd, args string
}

// parseDockerfile returns the instructions with continuation lines joined.
func parseDockerfile(t *testing.T, path string) []dockerInstr {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []dockerInstr
	var cur strings.Builder
	start := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			continue
		}
		cur.WriteString(line)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, dockerInstr{start, strings.ToUpper(cmd), strings.TrimSpace(args)})
		cur.Reset()
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestDockerfile(t *testing.T) {
	instrs := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	args := map[string]string{}
	var stages [][]dockerInstr
	builds := false
	for _, in := range instrs {
		switch in.cmd {
		case "ARG":
			if k, v, ok := strings.Cut(in.args, "="); ok && len(stages) == 0 {
				args[k] = v
			}
		case "FROM":
			stages = append(stages, nil)
			from := in.args
			for k, v := range args {
				from = strings.ReplaceAll(from, "${"+k+"}", v)
			}
			if len(stages) == 1 && !strings.HasPrefix(from, "golang:1.26") {
				t.Errorf("line %d: build stage FROM %s, want golang:1.26", in.line, from)
			}
		case "RUN":
			if regexp.MustCompile(`\bgo build\b.*\s\./worker(\s|$)`).MatchString(in.args) {
				builds = true
			}
		}
		if len(stages) > 0 {
			stages[len(stages)-1] = append(stages[len(stages)-1], in)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a multi-stage build", len(stages))
	}
	if !builds {
		t.Error("Dockerfile does not `go build ... ./worker`")
	}
	final := stages[len(stages)-1]
	user, entry := "", false
	for _, in := range final {
		switch in.cmd {
		case "USER":
			user = in.args
		case "ENTRYPOINT", "CMD":
			entry = true
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("final stage runs as %q, want a non-root USER", user)
	}
	if !entry {
		t.Error("final stage has no ENTRYPOINT/CMD")
	}
}

func TestDockerignore(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	if !slices.Contains(patterns, ".git") {
		t.Error(".dockerignore does not exclude .git")
	}
	// What the build needs must stay in the context.
	for _, need := range []string{"go.mod", "go.sum", "worker", "worker/main.go", "rules", "internal", "platforms"} {
		for _, pat := range patterns {
			if ok, _ := filepath.Match(strings.TrimPrefix(pat, "/"), need); ok && !strings.HasPrefix(pat, "!") {
				t.Errorf(".dockerignore pattern %q excludes %s, which the build needs", pat, need)
			}
		}
	}
}
