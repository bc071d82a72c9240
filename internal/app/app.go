// Package app wires a worker process: platform clients from config, the
// rules engine, the Temporal worker, and one sync schedule per shop. Both
// production and --dev mode run through it.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/aftersale/aftersale/activities"
	"github.com/aftersale/aftersale/budget"
	"github.com/aftersale/aftersale/internal/config"
	"github.com/aftersale/aftersale/internal/inbox"
	"github.com/aftersale/aftersale/platforms"
	"github.com/aftersale/aftersale/platforms/shopline"
	"github.com/aftersale/aftersale/platforms/taobao"
	"github.com/aftersale/aftersale/platforms/xiaoe"
	"github.com/aftersale/aftersale/platforms/xportcn"
	"github.com/aftersale/aftersale/rules"
	"github.com/aftersale/aftersale/workflows"
)

// Worker is a running worker and what it holds.
type Worker struct {
	Rules   *rules.Engine
	workers []worker.Worker
	cancel  context.CancelFunc
}

// Clients builds one platform client per configured shop.
func Clients(cfg config.Config, logger *slog.Logger) (*platforms.Registry, error) {
	reg := platforms.NewRegistry()
	for _, s := range cfg.Shops {
		switch s.Platform {
		case platforms.Xiaoe:
			reg.Add(xiaoe.New(xiaoe.Config{
				Gateway:   s.Gateway,
				AppID:     s.AppID,
				ClientID:  s.ClientID,
				SecretKey: s.Secret(),
				Shop:      s.Shop,
				Logger:    logger,
			}))
		case platforms.Shopline:
			reg.Add(shopline.New(shopline.Config{
				BaseURL: s.Gateway,
				Token:   s.AccessToken(),
				Shop:    s.Shop,
				Logger:  logger,
			}))
		case platforms.Xportcn:
			reg.Add(xportcn.New(xportcn.Config{
				BaseURL:           s.Gateway,
				AccessKey:         s.AppKey,
				AccessSecret:      s.Secret(),
				UserID:            s.UserID,
				SignAlgorithm:     s.SignMethod,
				Shop:              s.Shop,
				Logger:            logger,
				ExtraStatuses:     s.Statuses,
				ExtraTimeoutTypes: s.TimeoutTypes,
				OrderContext:      s.OrderContext,
			}))
		case platforms.Taobao:
			reg.Add(taobao.New(taobao.Config{
				Gateway:    s.Gateway,
				AppKey:     s.AppKey,
				AppSecret:  s.Secret(),
				Session:    s.SessionKey(),
				SignMethod: s.SignMethod,
				Shop:       s.Shop,
				Exchanges:  s.Exchanges,
				Logger:     logger,
			}))
		default:
			return nil, fmt.Errorf("shop %s: platform %q is not supported", s.Shop, s.Platform)
		}
	}
	return reg, nil
}

// Start loads the rules, registers workflows and activities, starts polling,
// and makes sure every shop has its sync schedule.
func Start(ctx context.Context, cfg config.Config, c client.Client, logger *slog.Logger) (*Worker, error) {
	engine, err := rules.NewEngine(cfg.RulesDir, rules.WithLogger(logger))
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	reg, err := Clients(cfg, logger)
	if err != nil {
		return nil, err
	}
	acts := &activities.Activities{
		Clients:        reg,
		Rules:          engine,
		Temporal:       c,
		PollInterval:   cfg.PollInterval,
		ReminderBefore: cfg.Notifications.ReminderBefore,
		Budgets:        Budgets(cfg),
		Webhooks:       Webhooks(cfg),
		InboxURL:       cfg.Notifications.InboxURL,
		Logger:         logger,
	}
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	Register(w, acts)
	out := &Worker{Rules: engine, workers: []worker.Worker{w}}
	for _, s := range cfg.Shops {
		out.workers = append(out.workers, NewPlatformWorker(c, s.Platform, s.Shop, s.CallsPerSecond(), acts))
	}
	for _, w := range out.workers {
		if err := w.Start(); err != nil {
			out.stopWorkers()
			return nil, err
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	out.cancel = cancel
	go engine.Watch(wctx, 2*time.Second)
	if cfg.PushAddr != "" {
		if _, err := Serve(wctx, "push", cfg.PushAddr, PushHandler(cfg, c, logger), logger); err != nil {
			out.Stop()
			return nil, fmt.Errorf("push listener: %w", err)
		}
	}
	if cfg.Inbox.Addr != "" {
		h := inbox.New(inbox.Options{Client: c, Logger: logger, User: cfg.Inbox.User, Password: cfg.Inbox.Secret()})
		if _, err := Serve(wctx, "inbox", cfg.Inbox.Addr, h, logger); err != nil {
			out.Stop()
			return nil, fmt.Errorf("inbox: %w", err)
		}
	}
	if err := EnsureSchedules(ctx, c, cfg); err != nil {
		out.Stop()
		return nil, err
	}
	logger.Info("worker started", "task_queue", workflows.TaskQueue, "shops", len(cfg.Shops),
		"rules", cfg.RulesDir, "ruleset", engine.Current().Hash)
	return out, nil
}

// Stop stops polling and waits for running tasks to finish.
func (w *Worker) Stop() {
	w.cancel()
	w.stopWorkers()
}

func (w *Worker) stopWorkers() {
	for _, x := range w.workers {
		x.Stop()
	}
}

// NewPlatformWorker polls one shop's platform task queue. The server hands
// out at most callsPerSecond/activities.CallsPerActivity activity tasks per
// second on that queue across every worker, so all workers together stay
// under the platform's limit.
func NewPlatformWorker(c client.Client, p platforms.Platform, shop string, callsPerSecond float64, acts *activities.Activities) worker.Worker {
	w := worker.New(c, activities.PlatformTaskQueue(p, shop), worker.Options{
		TaskQueueActivitiesPerSecond: callsPerSecond / activities.CallsPerActivity,
		DisableWorkflowWorker:        true,
	})
	w.RegisterActivity(acts)
	return w
}

// Register puts every workflow and activity on a worker.
func Register(r worker.Registry, acts *activities.Activities) {
	r.RegisterWorkflow(workflows.CaseWorkflow)
	r.RegisterWorkflow(workflows.ShopSyncWorkflow)
	r.RegisterWorkflow(workflows.TOPMessagesWorkflow)
	r.RegisterWorkflowWithOptions(workflows.BudgetWorkflow, workflow.RegisterOptions{Name: budget.WorkflowName})
	r.RegisterActivity(acts)
}
