// Package domain holds the entities and the interfaces between layers.
package domain

import "context"

// User is a registered user.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// UserUsecase is the business logic the delivery layer calls.
type UserUsecase interface {
	GetByID(ctx context.Context, id string) (User, error)
}
