module parseltongue.test/go_calls

go 1.22
