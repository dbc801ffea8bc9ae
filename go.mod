module kafka

go 1.26
