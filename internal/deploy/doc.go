// Package deploy has no code: its tests check the production deployment
// files at the repository root (docker-compose.yml, Dockerfile,
// .dockerignore) against the contracts the code relies on — service wiring,
// the worker's environment and config, and the search attributes of
// internal/devserver.SearchAttributes.
package deploy
