#include "vigil/core/time.hpp"

#include <gtest/gtest.h>

namespace vigil {

TEST(Time, FormatsWithPrecision) {
  EXPECT_EQ(format_utc({0, 0, 1'000'000'000}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_utc({1'700'000'000, 123'456'789, 100}), "2023-11-14T22:13:20.1234567Z");
  EXPECT_EQ(format_utc({1'700'000'000, 123'456'789, 1}), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(format_utc({1'700'000'000, 0, 2'000'000'000}), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_utc({-1, 0, 1'000'000'000}), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_utc({253'402'300'800, 5, 1}), "10000-01-01T00:00:00.000000005Z");
  EXPECT_EQ(format_utc({1'700'000'000, 120'000'000, 10'000'000}), "2023-11-14T22:13:20.12Z");
}

TEST(Time, PrecisionLabels) {
  EXPECT_EQ(precision_label(2'000'000'000), "2s");
  EXPECT_EQ(precision_label(10'000'000), "10ms");
  EXPECT_EQ(precision_label(100), "100ns");
}

}  // namespace vigil
