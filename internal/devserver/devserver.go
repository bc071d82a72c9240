// Package devserver runs an embedded Temporal server on SQLite, plus the
// Temporal Web UI, inside the current process. It backs `worker --dev` and
// the integration tests; production uses the docker-compose deployment.
//
// Everything listens on loopback unless Options.IP says otherwise (and then
// only the frontend and the UI move): the history, matching and worker
// services and all membership ports are bound to 127.0.0.1, and the server's
// metrics and pprof endpoints are disabled.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	enums "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/metrics"
	"go.temporal.io/server/common/persistence/sql"
	"go.temporal.io/server/common/persistence/sql/sqlplugin"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/resolver"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
	"google.golang.org/protobuf/types/known/durationpb"
)

// SearchAttributes are the custom search attributes of the DESIGN contract
// (§4). Start registers them unless Options.SearchAttributes says otherwise.
var SearchAttributes = map[string]enums.IndexedValueType{
	"AfterSalePlatform":  enums.INDEXED_VALUE_TYPE_KEYWORD,
	"AfterSaleShop":      enums.INDEXED_VALUE_TYPE_KEYWORD,
	"AfterSaleStatus":    enums.INDEXED_VALUE_TYPE_KEYWORD,
	"AfterSaleDeadline":  enums.INDEXED_VALUE_TYPE_DATETIME,
	"AfterSaleEscalated": enums.INDEXED_VALUE_TYPE_BOOL,
	"AfterSaleAmount":    enums.INDEXED_VALUE_TYPE_DOUBLE,
	"AfterSaleRule":      enums.INDEXED_VALUE_TYPE_KEYWORD,
}

const (
	// DBFile is the SQLite file name inside Options.DataDir.
	DBFile = "temporal.db"

	defaultIP        = "127.0.0.1"
	defaultNamespace = "default"
	clusterName      = "active"
	// Namespace retention for namespaces this package creates: long enough to
	// look at last week's closed cases in the UI.
	retention = 7 * 24 * time.Hour
)

// Options configure Start. The zero value is an ephemeral server on a free
// loopback port with no UI.
type Options struct {
	// DataDir holds the SQLite database (DataDir/temporal.db, created with its
	// schema when missing). "" keeps everything in memory.
	DataDir string
	// IP the frontend and the UI listen on. Default 127.0.0.1.
	IP string
	// Port of the frontend gRPC service. 0 picks a free port.
	Port int
	// UIPort of the Temporal Web UI. 0 disables the UI; a negative value
	// picks a free port.
	UIPort int
	// Namespace to create (if missing) and register the search attributes
	// in. Default "default".
	Namespace string
	// SearchAttributes to register in Namespace. nil means the package's
	// SearchAttributes; pass an empty non-nil map to register none. On an
	// existing database, missing ones are added through the operator API.
	SearchAttributes map[string]enums.IndexedValueType
	// Logger receives the server's own logs. nil means slog.Default().
	Logger *slog.Logger
	// LogLevel is the minimum level of the server's own logs passed to
	// Logger. nil means slog.LevelWarn: the server is chatty.
	LogLevel slog.Leveler
	// CodecEndpoint is the remote payload codec the UI decodes payloads
	// with (internal/codec.Handler); "" leaves payloads as stored.
	CodecEndpoint string
}

// Server is a running dev server. Stop it when done.
type Server struct {
	srv       temporal.Server
	logger    *slogLogger
	ui        *webUI
	hostPort  string
	uiAddr    string
	namespace string
	unlock    func()

	stopOnce sync.Once
	stopErr  error
}

// HostPort is the frontend gRPC address for SDK clients, e.g. "127.0.0.1:7233".
func (s *Server) HostPort() string { return s.hostPort }

// Namespace is the namespace that Start created and registered the search
// attributes in.
func (s *Server) Namespace() string { return s.namespace }

// UIAddress is the Web UI's host:port, e.g. "127.0.0.1:8233" (browse to
// "http://" + UIAddress()), or "" when the UI is disabled.
func (s *Server) UIAddress() string { return s.uiAddr }

// Stop stops the UI and the server and releases the data dir. It is safe to
// call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		if s.ui != nil {
			s.ui.stop()
		}
		s.logger.stopping.Store(true)
		s.stopErr = s.srv.Stop()
		if s.unlock != nil {
			s.unlock()
		}
	})
	return s.stopErr
}

// Start starts the server (and the UI when opts.UIPort != 0) and returns once
// the frontend answers and the search attributes are registered. ctx bounds
// the startup only.
func Start(ctx context.Context, opts Options) (_ *Server, err error) {
	if opts.IP == "" {
		opts.IP = defaultIP
	}
	if net.ParseIP(opts.IP) == nil {
		return nil, fmt.Errorf("devserver: invalid IP %q", opts.IP)
	}
	if opts.Namespace == "" {
		opts.Namespace = defaultNamespace
	}
	if opts.SearchAttributes == nil {
		opts.SearchAttributes = maps.Clone(SearchAttributes)
	}
	logger := newSlogLogger(opts.Logger, opts.LogLevel)

	// Ports: fixed ones must be free now (a bind failure later is fatal in
	// both the server and ui-server), the rest are picked by the kernel.
	nFree := 8 // frontend HTTP; history, matching, worker gRPC; 4 membership
	if opts.Port == 0 {
		nFree++
	} else if err := checkPort(opts.IP, opts.Port); err != nil {
		return nil, err
	}
	if opts.UIPort < 0 {
		nFree++
	} else if opts.UIPort > 0 {
		if err := checkPort(opts.IP, opts.UIPort); err != nil {
			return nil, err
		}
	}
	ports, err := freePorts(nFree)
	if err != nil {
		return nil, err
	}
	next := func() int { p := ports[0]; ports = ports[1:]; return p }
	if opts.Port == 0 {
		opts.Port = next()
	}
	if opts.UIPort < 0 {
		opts.UIPort = next()
	}
	hostPort := net.JoinHostPort(dialHost(opts.IP), strconv.Itoa(opts.Port))

	s := &Server{hostPort: hostPort, namespace: opts.Namespace, logger: logger}

	// Storage.
	sqlCfg := &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		ConnectAttributes: map[string]string{},
	}
	if opts.DataDir == "" {
		sqlCfg.DatabaseName = fmt.Sprintf("devserver-%d", rand.Int64())
		sqlCfg.ConnectAttributes["mode"] = "memory"
		sqlCfg.ConnectAttributes["cache"] = "shared"
	} else {
		var dir string
		if dir, err = filepath.Abs(opts.DataDir); err != nil { // no :=, the deferred unlock reads err
			return nil, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("devserver: data dir: %w", err)
		}
		if s.unlock, err = lockDir(dir); err != nil {
			return nil, fmt.Errorf("devserver: %w", err)
		}
		defer func() {
			if err != nil {
				s.unlock()
			}
		}()
		sqlCfg.DatabaseName = filepath.Join(dir, DBFile)
		sqlCfg.ConnectAttributes["mode"] = "rwc"
		sqlCfg.ConnectAttributes["journal_mode"] = "wal"
		sqlCfg.ConnectAttributes["synchronous"] = "normal"
		if fi, statErr := os.Stat(sqlCfg.DatabaseName); errors.Is(statErr, os.ErrNotExist) || (statErr == nil && fi.Size() == 0) {
			if err := sqlite.SetupSchema(sqlCfg); err != nil {
				_ = os.Remove(sqlCfg.DatabaseName) // so that the next start retries from scratch
				return nil, fmt.Errorf("devserver: set up schema in %s: %w", sqlCfg.DatabaseName, err)
			}
		} else if statErr != nil {
			return nil, fmt.Errorf("devserver: %w", statErr)
		} else if err := forgetMembers(ctx, sqlCfg); err != nil {
			return nil, fmt.Errorf("devserver: %w", err)
		}
	}
	// In memory mode the sqlite plugin creates the schema on first connect.

	// Pre-create the namespace with its search attributes (a no-op when it
	// exists; Start then adds missing attributes through the operator API).
	ns, err := sqlite.NewNamespaceConfig(clusterName, opts.Namespace, false, opts.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace config: %w", err)
	}
	ns.Detail.Config.Retention = durationpb.New(retention)
	if err := sqlite.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("devserver: create namespace: %w", err)
	}

	cfg := serverConfig(opts, sqlCfg, hostPort, next)
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithAuthorizer(authorization.NewNoopAuthorizer()),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return authorization.NewNoopClaimMapper() }),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: new server: %w", err)
	}
	if err := srv.Start(); err != nil {
		_ = srv.Stop()
		return nil, fmt.Errorf("devserver: start: %w", err)
	}
	s.srv = srv
	defer func() {
		if err != nil {
			if s.ui != nil {
				s.ui.stop()
			}
			logger.stopping.Store(true)
			_ = srv.Stop()
		}
	}()

	if err := s.ensureSearchAttributes(ctx, opts.SearchAttributes, opts.Logger); err != nil {
		return nil, err
	}

	if opts.UIPort > 0 {
		s.ui, err = startUI(ctx, opts.IP, opts.UIPort, hostPort, opts.Namespace, opts.CodecEndpoint)
		if err != nil {
			return nil, fmt.Errorf("devserver: %w", err)
		}
		s.uiAddr = net.JoinHostPort(dialHost(opts.IP), strconv.Itoa(opts.UIPort))
	}
	return s, nil
}

func serverConfig(opts Options, sqlCfg *config.SQL, hostPort string, nextPort func() int) *config.Config {
	service := func(grpcPort int) config.Service {
		return config.Service{RPC: config.RPC{
			GRPCPort:        grpcPort,
			MembershipPort:  nextPort(),
			BindOnLocalHost: true,
		}}
	}
	frontend := service(opts.Port)
	// The HTTP API (and Nexus HTTP endpoints); without it the server warns
	// at every start.
	frontend.RPC.HTTPPort = nextPort()
	if opts.IP != defaultIP {
		frontend.RPC.BindOnLocalHost = false
		frontend.RPC.BindOnIP = opts.IP
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{
				MaxJoinDuration:  30 * time.Second,
				BroadcastAddress: defaultIP,
			},
			// Metrics nil: no Prometheus listener. PProf port 0: disabled.
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  sqliteplugin.PluginName,
			NumHistoryShards: 1,
			DataStores: map[string]config.DataStore{
				sqliteplugin.PluginName: {SQL: sqlCfg},
			},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {
					Enabled:                true,
					InitialFailoverVersion: 1,
					RPCAddress:             hostPort,
				},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": frontend,
			"history":  service(nextPort()),
			"matching": service(nextPort()),
			"worker":   service(nextPort()),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		// The worker service (schedules, batch jobs) dials the frontend here.
		PublicClient: config.PublicClient{HostPort: hostPort},
	}
}

func dynamicConfig() dynamicconfig.StaticClient {
	return dynamicconfig.StaticClient{
		// New search attributes are visible to the next request, not after a
		// cache refresh.
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		// Defaults in 1.32 already; pinned because the workflows rely on them.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key():              true,
		dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key(): true,
		dynamicconfig.FrontendEnableSchedules.Key():                            true,
		// One node, one shard: partitions only add forwarding hops.
		dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  1,
		dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): 1,
		// The UI and the CLI list a lot; the default of 10/s throttles them.
		dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(): 100,
	}
}

// forgetMembers deletes the cluster membership rows of earlier runs. Their
// services listened on other (free) ports; left in place, ringpop tries to
// join them for its whole join timeout (30s) and the restarted server serves
// "Not enough hosts" errors meanwhile. We hold the data dir lock, so no live
// member can be deleted.
func forgetMembers(ctx context.Context, sqlCfg *config.SQL) error {
	db, err := sql.NewSQLDB(sqlplugin.DbKindMain, sqlCfg, resolver.NewNoopResolver(), log.NewNoopLogger(), metrics.NoopMetricsHandler)
	if err != nil {
		return fmt.Errorf("open %s: %w", sqlCfg.DatabaseName, err)
	}
	defer func() { _ = db.Close() }()
	_, err = db.PruneClusterMembership(ctx, &sqlplugin.PruneClusterMembershipFilter{
		PruneRecordsBefore: time.Now().AddDate(100, 0, 0),
	})
	if err != nil {
		return fmt.Errorf("prune cluster membership: %w", err)
	}
	return nil
}

// ensureSearchAttributes adds the wanted search attributes that the namespace
// lacks. It also serves as the readiness check: it retries until the
// frontend answers.
func (s *Server) ensureSearchAttributes(ctx context.Context, want map[string]enums.IndexedValueType, l *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if l == nil {
		l = slog.Default()
	}
	quiet := slog.New(&minLevelHandler{Handler: l.Handler(), min: slog.LevelError})

	var lastErr error
	for {
		lastErr = s.addSearchAttributes(ctx, want, quiet)
		if lastErr == nil {
			return nil
		}
		var invalid *serviceerror.InvalidArgument
		if errors.As(lastErr, &invalid) || errors.Is(lastErr, errSAConflict) {
			return fmt.Errorf("devserver: search attributes: %w", lastErr)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: server not ready: %w (last error: %v)", ctx.Err(), lastErr)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

var errSAConflict = errors.New("search attribute type conflict")

func (s *Server) addSearchAttributes(ctx context.Context, want map[string]enums.IndexedValueType, l *slog.Logger) error {
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  s.hostPort,
		Namespace: s.namespace,
		Logger:    sdklog.NewStructuredLogger(l),
	})
	if err != nil {
		return err
	}
	defer c.Close()

	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.namespace})
	if err != nil {
		return err
	}
	missing := map[string]enums.IndexedValueType{}
	for name, typ := range want {
		have, ok := list.GetCustomAttributes()[name]
		if !ok {
			have, ok = list.GetSystemAttributes()[name]
		}
		switch {
		case !ok:
			missing[name] = typ
		case have != typ:
			return fmt.Errorf("%w: %s is %s in namespace %s, want %s", errSAConflict, name, have, s.namespace, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        s.namespace,
		SearchAttributes: missing,
	})
	var exists *serviceerror.AlreadyExists
	if err != nil && !errors.As(err, &exists) {
		return err
	}
	return nil
}

// minLevelHandler drops records below min (the SDK client logs its
// connection retries at warn while the server is starting).
type minLevelHandler struct {
	slog.Handler
	min slog.Level
}

func (h *minLevelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

// dialHost is the address clients use for a listen IP: loopback for the
// unspecified address.
func dialHost(ip string) string {
	if p := net.ParseIP(ip); p != nil && p.IsUnspecified() {
		return defaultIP
	}
	return ip
}

func checkPort(ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("devserver: port %d is not available: %w", port, err)
	}
	return l.Close()
}

// freePorts returns n distinct free loopback ports. All listeners are held
// until every port is chosen so the kernel cannot hand out one twice.
func freePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", net.JoinHostPort(defaultIP, "0"))
		if err != nil {
			return nil, fmt.Errorf("devserver: free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
