// Package usecase implements the user business logic.
package usecase

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"

	"github.com/acme/echo-clean/domain"
)

type userUsecase struct{ users map[string]domain.User }

// NewUserUsecase returns the user logic over an in-memory store.
func NewUserUsecase() domain.UserUsecase {
	return &userUsecase{users: map[string]domain.User{"42": {ID: "42", Name: "Ada"}}}
}

func (u *userUsecase) GetByID(ctx context.Context, id string) (domain.User, error) {
	usr, ok := u.users[id]
	if !ok {
		return domain.User{}, errors.New("user not found")
	}
	logrus.WithContext(ctx).WithField("user_id", id).Info("user fetched")
	return usr, nil
}
