package app

import (
	"context"
	"time"

	"github.com/nevcrm/nevcrm/internal/campaign"
	"github.com/nevcrm/nevcrm/internal/identity"
	"github.com/nevcrm/nevcrm/internal/site"
)

// demoCampaign gives the demo owner a campaign to join when none is open to
// them (campaign.Service.OwnerCampaigns): the demo store's manager creates
// and publishes, through the campaign service, a service promotion of the
// store in the owner's city, held at the demo service center from the day
// after tomorrow for three days, sign-up open until it starts, with a
// ¥200 maintenance coupon. It returns whether it added one.
func demoCampaign(ctx context.Context, s *Services, owner, service *identity.User, now time.Time) (bool, error) {
	current, _, err := s.Campaigns.OwnerCampaigns(ctx, owner)
	if err != nil || len(current) > 0 {
		return false, err
	}
	manager, err := s.Accounts.UserByLogin(ctx, identity.System(), "manager")
	if err != nil {
		return false, err
	}
	center, err := s.Sites.Get(ctx, service.SiteID)
	if err != nil {
		return false, err
	}
	local := now.In(site.Shanghai)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, site.Shanghai)
	starts := day.AddDate(0, 0, 2).Add(9 * time.Hour)
	c, err := s.Campaigns.Create(ctx, manager, campaign.Input{
		Name: "冬季关爱检测周", Kind: "service_promo", Channel: "offline", City: center.City, Cover: "service",
		Description: "入冬前为您的爱车做一次免费检测：**电池健康、空调暖风、轮胎与制动**，技师一对一讲解。\n\n到场即可领取 200 元保养抵扣券（90 天内有效）。",
		Place:       center.Name + "（" + center.Address + "）", StartsAt: starts, EndsAt: starts.AddDate(0, 0, 2).Add(9 * time.Hour),
		SignupClosesAt: starts, BudgetFen: 3_000_000, Capacity: 60, BenefitKind: "coupon", BenefitText: "200 元保养抵扣券",
		CouponValueFen: 20_000, CouponValidDays: 90,
	})
	if err != nil {
		return false, err
	}
	if _, err := s.Campaigns.Publish(ctx, manager, c.ID); err != nil {
		return false, err
	}
	return true, nil
}
